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
