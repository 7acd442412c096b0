import type { GraphQLFormattedError } from 'graphql';
import { redactCpr } from '../../identity/cpr';
import { isLockContention } from '../db/lock-wait';
import type { Logger } from '../logger';
import { ErrorCode, KNOWN_ERROR_CODES } from './errors';

/**
 * Errors we raised on purpose pass through with their stable code; losing a race for locks is
 * `BUSY` (retryable). Anything else is a bug or an infrastructure failure: logged (CPR-redacted) and answered without detail,
 * so database messages never reach a partner app.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== ErrorCode.Internal && KNOWN_ERROR_CODES.has(code)) {
      return { ...formatted, message: redactCpr(formatted.message) };
    }
    const original = (error as { originalError?: Error })?.originalError ?? error;
    if (isLockContention(original)) {
      // Lost a race for locks: the transaction rolled back whole, so the request can be repeated.
      logger.warn({ path: formatted.path, code: (original as { code?: string }).code }, 'request gave up waiting for locks');
      return {
        message: 'the same records are being changed by another operation right now; nothing was changed, try again',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.Busy },
      };
    }
    logger.error({ err: original, path: formatted.path }, redactCpr(String((original as Error)?.message ?? original)));
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.Internal },
    };
  };
}
