import { graphqlEnum } from '../platform/graphql/enums';
import { PartnerRole } from './partner-role';

/** The GraphQL enum for partner roles (register once; import this, not graphqlEnum again). */
export const PartnerRoleEnum = graphqlEnum(PartnerRole, 'PartnerRole', 'What kind of partner app: school, children’s home, caseworker tool, evaluator or admin.');
