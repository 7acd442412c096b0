import pino, { type Logger } from 'pino';
import { redactCpr } from '../identity/cpr';
import type { Config } from './config';

export type { Logger };

/**
 * Structured JSON logs. Anything CPR-shaped in a message is masked before it is written,
 * and credentials in headers are never logged.
 */
export function createLogger(config: Pick<Config, 'NODE_ENV' | 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL ?? (config.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret'], censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactCpr(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  });
}
