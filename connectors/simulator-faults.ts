import { mixSeed } from '../src/synthetic/random';

/**
 * Fault switches every source simulator offers; all default off. Shares are fractions 0–1,
 * decided deterministically from `seed`, so a failing test can be replayed.
 */
export interface SimulatorFaults {
  latencyMs: number;
  /** Share of data requests answered 503. */
  errorRate: number;
  /** Share of data requests that hang for `hangMs` (longer than the client's timeout). */
  timeoutRate: number;
  hangMs: number;
  /** Share of records served broken (missing field, impossible date, bad CPR, value off its scale …). */
  malformedRate: number;
  seed: number;
}

export const NO_FAULTS: SimulatorFaults = { latencyMs: 0, errorRate: 0, timeoutRate: 0, hangMs: 30_000, malformedRate: 0, seed: 1 };

/** OAuth2 client credentials a simulator accepts. */
export interface SimulatorCredentials {
  clientId: string;
  clientSecret: string;
}

/** A fraction 0–1 decided by the seed parts: the simulators' replayable dice. */
export const unit = (...parts: number[]): number => (mixSeed(...parts) >>> 0) / 2 ** 32;

/**
 * What the faults do to the `n`-th data request: its latency, a hang, and whether it is to be
 * answered 503 (true; the simulator answers in its protocol's error format).
 */
export async function injectFaults(faults: SimulatorFaults, n: number): Promise<boolean> {
  if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
  if (unit(faults.seed, n, 1) < faults.timeoutRate) await new Promise((r) => setTimeout(r, faults.hangMs));
  return unit(faults.seed, n, 2) < faults.errorRate;
}

/**
 * The OAuth2 client-credentials grant as the simulators check it: client id and secret by HTTP
 * Basic (or, with `formCredentials`, in the form), grant_type client_credentials. Returns the
 * refusal to send (RFC 6749 §5.2), or null when the grant stands.
 */
export function refuseClientCredentials(
  req: { headers: { authorization?: string }; body: unknown },
  credentials: SimulatorCredentials,
  opts: { formCredentials?: boolean } = {},
): { status: 400 | 401; error: string } | null {
  const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
  const [scheme, value] = (req.headers.authorization ?? '').split(' ');
  let [id, secret]: (string | null | undefined)[] = opts.formCredentials ? [form.get('client_id'), form.get('client_secret')] : [];
  if (scheme === 'Basic') [id, secret] = Buffer.from(value ?? '', 'base64').toString().split(':').map(decodeURIComponent);
  if (id !== credentials.clientId || secret !== credentials.clientSecret) return { status: 401, error: 'invalid_client' };
  if (form.get('grant_type') !== 'client_credentials') return { status: 400, error: 'unsupported_grant_type' };
  return null;
}
