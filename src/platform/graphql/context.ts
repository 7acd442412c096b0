import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobControl } from '../../../jobs/job-control';
import { AuditTrail } from '../../audit/audit-trail';
import { AccessGate } from '../../consent/access-gate';
import type { Actor } from '../../partners/actor';
import { TenantScope } from '../db/tenant-scope';
import { LoaderRegistry } from './loaders';

/**
 * Built once per request. `em` is for admin reads and writes; child data is read through
 * `childEm()` — for a partner app a read-only transaction under row-level security bound to its
 * municipality — and checked by `access`, with every read noted in `audit`.
 */
export interface GraphQLContext {
  em: EntityManager;
  childEm(): Promise<EntityManager>;
  loaders: LoaderRegistry;
  requestId: string;
  actor: Actor;
  access: AccessGate;
  audit: AuditTrail;
  tenant: TenantScope | null;
  jobs: JobControl;
}

export function createContext(rootEm: EntityManager, requestId: string, actor: Actor, jobs: JobControl): GraphQLContext {
  const em = rootEm.fork();
  const tenant = actor.municipalityId ? new TenantScope(rootEm, actor.municipalityId) : null;
  const childEm = tenant ? () => tenant.em() : async () => em;
  const loaders = new LoaderRegistry(childEm);
  const audit = new AuditTrail(actor, requestId);
  return { em, childEm, loaders, requestId, actor, access: new AccessGate(actor, loaders, audit), audit, tenant, jobs };
}
