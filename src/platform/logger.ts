import pino, { type DestinationStream, type Logger } from 'pino';
import { redactCpr, redactCprDeep } from '../identity/cpr';
import type { Config } from './config';

export type { Logger };

/**
 * A 9–10 digit run in a serialized line (a CPR in any form, or as a number without its leading
 * 0). Pino's 13-digit `time` does not match, so most lines skip the re-parse below. Letters are not
 * excluded here: in JSON text a `\n` escape puts an `n` right before the digits.
 */
const CPR_CANDIDATE = /(?<!\d)\d{5,6}[- ]?\d{4}(?!\d)/;

/**
 * Masks CPR numbers anywhere in a serialized log line: message, bindings, nested objects,
 * `err.message`/`err.stack`, request URLs — after the serializers ran, so nothing escapes.
 */
export function maskCprInLine(line: string): string {
  if (!CPR_CANDIDATE.test(line)) return line;
  try {
    return `${JSON.stringify(redactCprDeep(JSON.parse(line)))}\n`;
  } catch {
    return redactCpr(line); // not JSON (cannot happen with pino's own output): mask the text
  }
}

/**
 * Structured JSON logs. Anything CPR-shaped is masked before a line is written, and
 * credentials in headers are never logged. `destination` is for tests.
 */
export function createLogger(config: Pick<Config, 'NODE_ENV' | 'LOG_LEVEL'>, name: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: config.LOG_LEVEL ?? (config.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret'], censor: '[redacted]' },
    hooks: { streamWrite: maskCprInLine },
  };
  return destination ? pino(options, destination) : pino(options);
}
