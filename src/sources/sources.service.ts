import type { EntityManager } from '@mikro-orm/postgresql';
import { CronExpressionParser } from 'cron-parser';
import { connectorFor } from '../../connectors/registry';
import { recordAdminChange } from '../audit/admin-change';
import type { Actor } from '../partners/actor';
import { rawQuery } from '../platform/db/bulk';
import { HubError } from '../platform/graphql/errors';
import { QuarantinedRecord } from './quarantined-record.entity';
import type { QuarantineResolution } from './quarantine.type';
import { SourceSystem } from './source-system.entity';
import type { SourceSystemInput } from './source-system.type';
import { SyncRun } from './sync-run.entity';
import { actorMunicipality } from '../municipalities/actor-municipality';

export const SCHEDULE_TZ = 'Europe/Copenhagen';

/** The cron dialect BullMQ's job schedulers use (cron-parser), so a valid cron here runs there. */
export function cronProblem(pattern: string): string | null {
  try {
    CronExpressionParser.parse(pattern, { tz: SCHEDULE_TZ });
    return null;
  } catch (err) {
    return `not a valid cron expression (${(err as Error).message})`;
  }
}

/** Admin operations on source systems, their runs and their quarantine, within the actor's tenant. */
export class SourcesService {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly requestId = '',
  ) {}

  private audit(source: SourceSystem, detail: Record<string, unknown>): void {
    recordAdminChange(this.em, this.actor, this.requestId, { target: `source_system:${source.id}`, detail, municipalityId: source.municipality.id });
  }

  private tenantFilter() {
    return this.actor.municipalityId ? { municipality: this.actor.municipalityId } : {};
  }

  list(municipalityCode?: string): Promise<SourceSystem[]> {
    // One `municipality` condition holding both: spread as two, the code would replace the tenant.
    const municipality = { ...(this.actor.municipalityId ? { id: this.actor.municipalityId } : {}), ...(municipalityCode ? { code: municipalityCode } : {}) };
    return this.em.find(
      SourceSystem,
      Object.keys(municipality).length ? { municipality } : {},
      { populate: ['municipality'], orderBy: { municipality: { code: 'asc' }, name: 'asc' } },
    );
  }

  /** A source visible to the actor; another tenant's source is as unknown as a missing one. */
  async get(id: string): Promise<SourceSystem> {
    const source = await this.em.findOne(SourceSystem, { id, ...this.tenantFilter() }, { populate: ['municipality'] });
    if (!source) throw HubError.notFound('source system');
    return source;
  }

  async upsert(input: SourceSystemInput): Promise<SourceSystem> {
    const municipality = await actorMunicipality(this.em, this.actor, input.municipalityCode, 'input.municipalityCode');
    this.checkSettings(input);
    const source = input.id ? await this.get(input.id) : this.em.create(SourceSystem, { municipality, name: input.name, kind: input.kind });
    if (input.id) {
      if (source.kind !== input.kind) throw HubError.badInput('input.kind', 'cannot change; register a new source instead');
      if (source.municipality.id !== municipality.id) throw HubError.badInput('input.municipalityCode', 'cannot change; register a new source instead');
    }
    const clash = await this.em.findOne(SourceSystem, { municipality, name: input.name, id: { $ne: source.id } });
    if (clash) throw HubError.badInput('input.name', 'another source of this municipality has that name');
    this.em.assign(source, {
      name: input.name,
      baseUrl: input.baseUrl ?? undefined,
      credentialRef: input.credentialRef ?? undefined,
      config: input.config ?? {},
      schedule: input.schedule ?? undefined,
      fullResyncSchedule: input.fullResyncSchedule ?? undefined,
      enabled: input.enabled ?? (input.id ? source.enabled : true),
    });
    this.audit(source, { change: input.id ? 'update' : 'create', name: input.name, kind: input.kind, schedule: input.schedule ?? null, enabled: source.enabled });
    await this.em.flush();
    return source;
  }

  /** Cron syntax and the connector's own settings schema, answered as field errors before saving. */
  private checkSettings(input: SourceSystemInput): void {
    const fields: { path: string; message: string }[] = [];
    for (const key of ['schedule', 'fullResyncSchedule'] as const) {
      const pattern = input[key];
      const problem = pattern ? cronProblem(pattern) : null;
      if (problem) fields.push({ path: `input.${key}`, message: problem });
    }
    try {
      connectorFor(input.kind).parseSettings({ ...(input.config ?? {}), baseUrl: input.baseUrl ?? undefined });
    } catch (err) {
      fields.push({ path: 'input.config', message: (err as Error).message });
    }
    if (fields.length) throw HubError.invalidFields(fields);
  }

  async setEnabled(id: string, enabled: boolean): Promise<SourceSystem> {
    const source = await this.get(id);
    source.enabled = enabled;
    this.audit(source, { change: enabled ? 'resume' : 'pause' });
    await this.em.flush();
    return source;
  }

  /** Newest first, keyset-paged on (started_at, id) compared in the database at full precision. */
  async runs(sourceId: string, first: number, afterRunId?: string): Promise<SyncRun[]> {
    await this.get(sourceId);
    const { rows } = await rawQuery<{ id: string }>(
      this.em,
      `select r.id from sync_run r
       where r.source_system_id = ?
         ${afterRunId ? 'and (r.started_at, r.id) < (select a.started_at, a.id from sync_run a where a.id = ?)' : ''}
       order by r.started_at desc, r.id desc limit ?`,
      afterRunId ? [sourceId, afterRunId, first + 1] : [sourceId, first + 1],
    );
    return this.inOrder(SyncRun, rows.map((r) => r.id));
  }

  /** Open (or all) entries, most recently seen first, optionally one source and stream. */
  async quarantined(q: { sourceId?: string; stream?: string; open: boolean; first: number; afterId?: string }): Promise<QuarantinedRecord[]> {
    if (q.sourceId) await this.get(q.sourceId);
    const where: string[] = [];
    const params: unknown[] = [];
    if (this.actor.municipalityId) {
      where.push('q.source_system_id in (select s.id from source_system s where s.municipality_id = ?)');
      params.push(this.actor.municipalityId);
    }
    if (q.sourceId) (where.push('q.source_system_id = ?'), params.push(q.sourceId));
    if (q.stream) (where.push('q.stream = ?'), params.push(q.stream));
    if (q.open) where.push('q.resolved_at is null');
    if (q.afterId) {
      where.push('(q.last_seen_at, q.id) < (select a.last_seen_at, a.id from quarantined_record a where a.id = ?)');
      params.push(q.afterId);
    }
    const { rows } = await rawQuery<{ id: string }>(
      this.em,
      `select q.id from quarantined_record q ${where.length ? `where ${where.join(' and ')}` : ''}
       order by q.last_seen_at desc, q.id desc limit ?`,
      [...params, q.first + 1],
    );
    return this.inOrder(QuarantinedRecord, rows.map((r) => r.id));
  }

  async resolveQuarantined(id: string, resolution: QuarantineResolution, note: string | null, resolvedBy: string): Promise<QuarantinedRecord> {
    const tenant = this.actor.municipalityId ? { sourceSystem: { municipality: this.actor.municipalityId } } : {};
    const record = await this.em.findOne(QuarantinedRecord, { id, ...tenant }, { populate: ['sourceSystem'] });
    if (!record) throw HubError.notFound('quarantined record');
    if (record.resolvedAt) throw HubError.badInput('input.id', 'already resolved');
    this.em.assign(record, { resolvedAt: new Date(), resolution, resolutionNote: note ?? undefined, resolvedBy });
    recordAdminChange(this.em, this.actor, this.requestId, {
      target: `quarantined_record:${record.id}`,
      detail: { change: 'resolve', resolution },
      municipalityId: (await this.get(record.sourceSystem.id)).municipality.id,
    });
    await this.em.flush();
    return record;
  }

  private async inOrder<T extends SyncRun | QuarantinedRecord>(entity: new () => T, ids: string[]): Promise<T[]> {
    if (!ids.length) return [];
    const rows = (await this.em.find(entity as never, { id: { $in: ids } } as never)) as T[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)!).filter(Boolean);
  }
}
