import type { AuthChecker } from 'type-graphql';
import { HubError } from '../platform/graphql/errors';
import { PartnerRole } from './partner-role';

/** Who is asking: a partner app acting for its municipality, or the local operator. */
export interface Actor {
  role: PartnerRole;
  /** Null for the local operator; set for partner apps. */
  partnerAppId: string | null;
  /** The tenant the actor is bound to; null = every municipality (local operator only). */
  municipalityId: string | null;
}

/**
 * Until partner tokens exist (the consent issue), the API is bound to loopback and every
 * caller is the local operator with the admin role.
 */
export const LOCAL_OPERATOR: Actor = { role: PartnerRole.Admin, partnerAppId: null, municipalityId: null };

/** type-graphql's check for `@Authorized(roles)`: a stable code, never a bare "Access denied". */
export const authChecker: AuthChecker<{ actor?: Actor | null }, PartnerRole> = ({ context }, roles) => {
  const actor = context.actor;
  if (!actor) throw HubError.unauthenticated();
  if (roles.length && !roles.includes(actor.role)) throw HubError.forbidden(`requires role ${roles.join(' or ')}`);
  return true;
};
