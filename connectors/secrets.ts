import { ConnectorError } from './errors';

/**
 * Credentials never live in the database: a source system stores only a reference, resolved
 * here from the environment (`SKOLEBRO_SECRET_<REF>`, JSON), e.g.
 * SKOLEBRO_SECRET_HVIDOVRE_DUBU='{"clientId":"…","clientSecret":"…"}'.
 */
export function resolveSecret(ref: string | undefined | null, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  if (!ref) return {};
  const name = secretEnvName(ref);
  const raw = env[name];
  if (!raw) throw ConnectorError.config(`credential ${name} is not set`);
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw ConnectorError.config(`credential ${name} is not a JSON object`);
  }
}

export function secretEnvName(ref: string): string {
  return `SKOLEBRO_SECRET_${ref.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
