import pino, { type Logger } from 'pino';
import { redactCpr } from '../identity/cpr';

export type { Logger };

/**
 * Structured JSON logs. Anything CPR-shaped in a message is masked before it is written,
 * and credentials in headers are never logged.
 */
export function createLogger(nodeEnv: string, name: string): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
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
