import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger';
import type { GraphQLContext } from '../platform/graphql/context';
import { ErrorCode } from '../platform/graphql/errors';
import { AuditWriter } from './audit-writer';

/**
 * Writes each request's access log (group-committed with concurrent requests) before the
 * response leaves. If the log cannot be written the data is withheld: an
 * unlogged read of child data must not happen.
 */
export function auditPlugin(rootEm: EntityManager, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  const writer = new AuditWriter(rootEm);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (!contextValue.audit.size) return;
          try {
            await contextValue.audit.flush(writer);
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
