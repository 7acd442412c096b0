import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../partners/actor';
import { HubError } from '../platform/graphql/errors';
import { Municipality } from './municipality.entity';

/**
 * A municipality the actor may act for, by kommunekode. Unknown and foreign ones answer the same
 * (`BAD_USER_INPUT` "unknown municipality" on `field`), so an admin learns nothing about other
 * tenants from the answer.
 */
export async function actorMunicipality(em: EntityManager, actor: Actor, code: string, field: string): Promise<Municipality> {
  const municipality = await em.findOne(Municipality, { code });
  if (!municipality || (actor.municipalityId && municipality.id !== actor.municipalityId)) throw HubError.badInput(field, 'unknown municipality');
  return municipality;
}
