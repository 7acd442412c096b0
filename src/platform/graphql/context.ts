import type { EntityManager } from '@mikro-orm/postgresql';
import { LoaderRegistry } from './loaders';

/** Built once per request: its own EntityManager fork and its own DataLoaders. */
export interface GraphQLContext {
  em: EntityManager;
  loaders: LoaderRegistry;
  requestId: string;
}

export function createContext(rootEm: EntityManager, requestId: string): GraphQLContext {
  const em = rootEm.fork();
  return { em, loaders: new LoaderRegistry(em), requestId };
}
