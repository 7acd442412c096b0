/**
 * The contract every source-system connector implements (in the spirit of the Airbyte
 * protocol: spec, check, discover, read). One folder per source system lives beside this
 * file with a client for the real protocol, a mapper to the canonical model and a simulator.
 * The runner in jobs/ drives `read`: it buffers records and, on each `state` message, upserts
 * them and saves the state in one transaction, so a crashed run resumes from the last commit.
 */

import type { CanonicalTarget, MapContext, MapResult } from '../src/sources/canonical';

/** config_error: do not retry; transient_error: retry with backoff; system_error: a bug or outage. */
export type FailureType = 'config_error' | 'transient_error' | 'system_error';

export type SyncMode = 'full_refresh' | 'incremental';

export interface StreamSpec {
  name: string;
  primaryKey: string[];
  cursorField?: string;
  syncModes: SyncMode[];
  /** The canonical table the stream fills: a full resync deletes its rows the pass did not see. */
  target?: CanonicalTarget;
}

export interface ConfiguredStream {
  name: string;
  syncMode: SyncMode;
}

export type ReadMessage<State> =
  | { type: 'record'; stream: string; data: unknown }
  /** A page of records in one message: the same as one `record` each, without an async hop per record. */
  | { type: 'records'; stream: string; data: readonly unknown[] }
  | { type: 'state'; stream: string; state: State };

export interface Connector<Config, State> {
  readonly kind: string;
  /** Maps one record of a stream to canonical rows, or says why it cannot (quarantine). */
  map(stream: string, data: unknown, ctx: MapContext): MapResult;
  /** Source settings merged with the resolved credential; throws a config ConnectorError. */
  parseConfig(input: unknown): Config;
  /** Only the non-secret settings (what an admin saves on the source), checked before saving. */
  parseSettings(input: unknown): void;
  check(config: Config): Promise<CheckResult>;
  streams(config: Config): Promise<StreamSpec[]>;
  read(
    config: Config,
    streams: ConfiguredStream[],
    ctx: { signal: AbortSignal; state: ReadonlyMap<string, State> },
  ): AsyncIterable<ReadMessage<State>>;
}

export type CheckResult = { ok: true } | { ok: false; failure: FailureType; message: string };

/** A connector's check: the probe's failure, typed (a non-connector error is a system error). */
export async function checkBy(probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await probe();
    return { ok: true };
  } catch (err) {
    const e = err as { failure?: FailureType; message: string };
    return { ok: false, failure: e.failure ?? 'system_error', message: e.message };
  }
}
