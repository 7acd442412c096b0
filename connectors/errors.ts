import type { FailureType } from './connector';

/**
 * A connector failure with its type, which decides what the runner does:
 * config_error → stop, no retry (wrong URL, credentials, contract); transient_error → retry
 * with backoff (5xx, timeouts, network); system_error → a bug or an unexpected answer.
 */
export class ConnectorError extends Error {
  override name = 'ConnectorError';

  constructor(
    readonly failure: FailureType,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  static config(message: string, status?: number): ConnectorError {
    return new ConnectorError('config_error', message, status);
  }

  static transient(message: string, status?: number): ConnectorError {
    return new ConnectorError('transient_error', message, status);
  }

  static system(message: string, status?: number): ConnectorError {
    return new ConnectorError('system_error', message, status);
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError;
}
