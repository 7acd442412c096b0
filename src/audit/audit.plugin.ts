import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger';
import type { GraphQLContext } from '../platform/graphql/context';
import { ErrorCode } from '../platform/graphql/errors';

/**
 * Ends each request's tenant-scoped read transaction and writes its access log in one insert
 * before the response leaves. If the log cannot be written the data is withheld: an
 * unlogged read of child data must not happen.
 */
export function auditPlugin(rootEm: EntityManager, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          await contextValue.tenant?.end().catch((err: Error) => logger.error({ err: err.message }, 'closing the tenant scope failed'));
          if (!contextValue.audit.size) return;
          try {
            await contextValue.audit.flush(rootEm.fork());
          } catch (err) {
            logger.error({ err: (err as Error).message, requestId: contextValue.requestId }, 'audit log write failed; response withheld');
            if (response.body.kind === 'single') {
              response.body.singleResult.data = null;
              response.body.singleResult.errors = [{ message: 'Internal server error', extensions: { code: ErrorCode.Internal } }];
            }
          }
        },
      };
    },
  };
}
