import type { GraphQLFormattedError } from 'graphql';
import { redactCpr } from '../../identity/cpr';
import type { Logger } from '../logger';
import { ErrorCode, KNOWN_ERROR_CODES } from './errors';

/**
 * Errors we raised on purpose pass through with their stable code. Anything else is a
 * bug or an infrastructure failure: logged (CPR-redacted) and answered without detail,
 * so database messages never reach a partner app.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== ErrorCode.Internal && KNOWN_ERROR_CODES.has(code)) {
      return { ...formatted, message: redactCpr(formatted.message) };
    }
    const original = (error as { originalError?: Error })?.originalError ?? error;
    logger.error({ err: original, path: formatted.path }, redactCpr(String((original as Error)?.message ?? original)));
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.Internal },
    };
  };
}
