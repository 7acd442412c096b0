import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobControl } from '../../../jobs/job-control';
import type { Actor } from '../../partners/actor';
import { LoaderRegistry } from './loaders';

/** Built once per request: its own EntityManager fork and its own DataLoaders. */
export interface GraphQLContext {
  em: EntityManager;
  loaders: LoaderRegistry;
  requestId: string;
  actor: Actor;
  jobs: JobControl;
}

export function createContext(rootEm: EntityManager, requestId: string, actor: Actor, jobs: JobControl): GraphQLContext {
  const em = rootEm.fork();
  return { em, loaders: new LoaderRegistry(em), requestId, actor, jobs };
}
