import { GraphQLError } from 'graphql';

/** Stable `extensions.code` values: partner apps branch on these, never on messages. */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  BadUserInput = 'BAD_USER_INPUT',
  ConsentRequired = 'CONSENT_REQUIRED',
  /** Another operation holds the same records (lock timeout, deadlock): nothing changed; try again. */
  Busy = 'BUSY',
  Internal = 'INTERNAL_SERVER_ERROR',
}

export const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set([
  ...Object.values(ErrorCode),
  // Produced by Apollo Server itself before resolvers run.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export class HubError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }

  static notFound(what: string): HubError {
    return new HubError(ErrorCode.NotFound, `${what} not found`);
  }

  /** `extra` adds extensions, e.g. a stable `reason` for a refusal. */
  static badInput(field: string, message: string, extra: Record<string, unknown> = {}): HubError {
    return new HubError(ErrorCode.BadUserInput, `${field}: ${message}`, { field, fields: [{ path: field, message }], ...extra });
  }

  /** Several invalid fields at once; `fields` carries each path (e.g. `input.schedule`) and why. */
  static invalidFields(fields: { path: string; message: string }[]): HubError {
    return new HubError(ErrorCode.BadUserInput, `invalid input: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, {
      field: fields[0]?.path,
      fields,
    });
  }

  static unauthenticated(message = 'a valid access token is required'): HubError {
    return new HubError(ErrorCode.Unauthenticated, message);
  }

  static forbidden(message: string): HubError {
    return new HubError(ErrorCode.Forbidden, message);
  }
}
