import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobControl } from '../../../jobs/job-control';
import { AuditTrail } from '../../audit/audit-trail';
import { AccessGate } from '../../consent/access-gate';
import type { Actor } from '../../partners/actor';
import type { TenantPools } from '../db/tenant-scope';
import { LoaderRegistry } from './loaders';

/**
 * Built once per request. `em` is for admin reads and writes; child data is read through
 * `childEm()` — for a partner app a connection under row-level security bound to its
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
  jobs: JobControl;
}

export interface ContextDeps {
  rootEm: EntityManager;
  tenants: TenantPools;
  jobs: JobControl;
  /** Benchmarks only: no consent check, no audit, no row-level security. */
  unprotected?: boolean;
}

export function createContext(deps: ContextDeps, requestId: string, actor: Actor): GraphQLContext {
  const em = deps.rootEm.fork();
  const municipalityId = actor.municipalityId;
  // Partner apps read child data through their municipality's RLS-bound pool, one fork per request.
  let scoped: Promise<EntityManager> | undefined;
  const childEm = municipalityId && !deps.unprotected ? () => (scoped ??= deps.tenants.em(municipalityId)) : async () => em;
  const loaders = new LoaderRegistry(childEm, municipalityId ?? undefined);
  const audit = new AuditTrail(actor, requestId, deps.unprotected);
  return { em, childEm, loaders, requestId, actor, access: new AccessGate(actor, loaders, audit, deps.unprotected), audit, jobs: deps.jobs };
}
