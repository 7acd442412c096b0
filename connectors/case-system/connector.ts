import { checkBy, type Connector, type ConfiguredStream, type ReadMessage, type StreamSpec } from '../connector';
import { CaseSystemClient } from './client';
import { parseCaseSystemConfig, parseCaseSystemSettings, type CaseSystemConfig } from './config';
import { mapCaseSystemRecord, RESOURCE_TARGETS } from './mapper';
import { DELETIONS, RESOURCES, type DeletionRecord } from './wire';

/**
 * Per-stream cursor. Resource streams page by (modifiedAt, id) keyset tokens and remember
 * the highest modifiedAt seen; `fullPass` marks an unfinished full read, so a resumed job
 * continues it instead of starting over. Deletions follow a sequence number.
 */
export interface CaseSystemState {
  modifiedSince?: string;
  pageToken?: string;
  highWatermark?: string;
  fullPass?: boolean;
  afterSequence?: number;
}

export const caseSystemConnector: Connector<CaseSystemConfig, CaseSystemState> = {
  kind: 'case_system',
  parseConfig: parseCaseSystemConfig,
  parseSettings: parseCaseSystemSettings,
  map: mapCaseSystemRecord,

  check: (config) => checkBy(() => new CaseSystemClient(config).page('/v1/children', { pageSize: 1 })),

  async streams() {
    const resources: StreamSpec[] = RESOURCES.map((name) => ({
      name,
      primaryKey: ['id'],
      cursorField: 'modifiedAt',
      syncModes: ['full_refresh', 'incremental'],
      target: RESOURCE_TARGETS[name],
    }));
    return [...resources, { name: DELETIONS, primaryKey: ['sequence'], cursorField: 'sequence', syncModes: ['incremental'] }];
  },

  async *read(config, streams, ctx): AsyncGenerator<ReadMessage<CaseSystemState>> {
    const client = new CaseSystemClient(config);
    for (const stream of streams) {
      if (stream.name === DELETIONS) yield* readDeletions(client, config, ctx.state.get(DELETIONS), ctx.signal);
      else yield* readResource(client, config, stream, ctx.state.get(stream.name), ctx.signal);
    }
  },
};

async function* readResource(
  client: CaseSystemClient,
  config: CaseSystemConfig,
  stream: ConfiguredStream,
  saved: CaseSystemState | undefined,
  signal: AbortSignal,
): AsyncGenerator<ReadMessage<CaseSystemState>> {
  const full = stream.syncMode === 'full_refresh';
  // A full read starts from nothing unless it resumes its own interrupted pass.
  const start: CaseSystemState = full && !saved?.fullPass ? { fullPass: true } : { ...saved, fullPass: full || saved?.fullPass };
  let { pageToken, highWatermark } = start;
  const modifiedSince = start.fullPass ? undefined : start.modifiedSince;
  for (;;) {
    signal.throwIfAborted();
    const page = await client.page<{ modifiedAt?: string }>(`/v1/${stream.name}`, { modifiedSince, pageToken, pageSize: config.pageSize }, signal);
    for (const item of page.items) {
      if (typeof item?.modifiedAt === 'string' && (!highWatermark || item.modifiedAt > highWatermark)) highWatermark = item.modifiedAt;
      yield { type: 'record', stream: stream.name, data: item };
    }
    if (page.nextPageToken) {
      pageToken = page.nextPageToken;
      yield { type: 'state', stream: stream.name, state: { modifiedSince, pageToken, highWatermark, fullPass: start.fullPass } };
    } else {
      // Pass complete: the next incremental read starts at the newest change seen (inclusive,
      // so a change at the same instant is read twice rather than missed; upserts are idempotent).
      yield { type: 'state', stream: stream.name, state: { modifiedSince: highWatermark ?? modifiedSince } };
      return;
    }
  }
}

async function* readDeletions(
  client: CaseSystemClient,
  config: CaseSystemConfig,
  saved: CaseSystemState | undefined,
  signal: AbortSignal,
): AsyncGenerator<ReadMessage<CaseSystemState>> {
  let afterSequence = saved?.afterSequence ?? 0;
  for (;;) {
    signal.throwIfAborted();
    const page = await client.page<DeletionRecord>(`/v1/${DELETIONS}`, { afterSequence, pageSize: config.pageSize }, signal);
    for (const item of page.items) {
      if (Number.isInteger(item?.sequence) && item.sequence > afterSequence) afterSequence = item.sequence;
      yield { type: 'record', stream: DELETIONS, data: item };
    }
    yield { type: 'state', stream: DELETIONS, state: { afterSequence } };
    if (!page.nextPageToken) return;
  }
}
