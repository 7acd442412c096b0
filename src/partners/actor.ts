import type { AuthChecker } from 'type-graphql';
import { HubError } from '../platform/graphql/errors';
import { PartnerRole } from './partner-role';

/** Who is asking: a partner app acting for its municipality, or the local operator. */
export interface Actor {
  role: PartnerRole;
  /** Null for the local operator; set for partner apps. */
  partnerAppId: string | null;
  /** The partner app's client id (what the audit log names); "local-operator" otherwise. */
  clientId: string;
  /** The tenant the actor is bound to; null = every municipality (local operator only). */
  municipalityId: string | null;
  /** The purposes the token carries (already narrowed by the requested scope). */
  purposes: string[];
  /** The one purpose of this request: the token's only purpose, or the one picked by header. */
  purpose: string | null;
}

/**
 * The local operator: used by CLI tooling and by tests that exercise admin fields without a
 * partner app. Never produced from an HTTP request without a token.
 */
export const LOCAL_OPERATOR: Actor = {
  role: PartnerRole.Admin,
  partnerAppId: null,
  clientId: 'local-operator',
  municipalityId: null,
  purposes: [],
  purpose: null,
};

/** type-graphql's check for `@Authorized(roles)`: a stable code, never a bare "Access denied". */
export const authChecker: AuthChecker<{ actor?: Actor | null }, PartnerRole> = ({ context }, roles) => {
  const actor = context.actor;
  if (!actor) throw HubError.unauthenticated();
  if (roles.length && !roles.includes(actor.role)) throw HubError.forbidden(`requires role ${roles.join(' or ')}`);
  return true;
};
