import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Population, SynthChild } from '../../src/synthetic/generator';
import { RESOURCES, type ChildRecord, type DeletionRecord, type Resource } from './wire';
import { injectFaults, NO_FAULTS, refuseClientCredentials, unit, type SimulatorCredentials as OAuthCredentials, type SimulatorFaults } from '../simulator-faults';
export type { SimulatorFaults } from '../simulator-faults';

export interface SimulatorCredentials extends OAuthCredentials {
  apiKey: string;
}

type StoredRecord = { id: string; modifiedAt: string } & Record<string, unknown>;

const MAX_PAGE = 1000;
const TOKEN_TTL_S = 3600;

const hashId = (id: string) => [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261);

/**
 * An HTTP server speaking the case-system export contract (openapi.yaml) over synthetic data,
 * with switches for latency, 5xx, hangs and malformed records, and live edits so incremental
 * sync and deletes can be exercised. Used by the demo, the tests and the benchmarks.
 */
export class CaseSystemSimulator {
  readonly credentials: SimulatorCredentials = {
    clientId: 'skolebro-demo',
    clientSecret: randomBytes(18).toString('base64url'),
    apiKey: randomBytes(18).toString('base64url'),
  };
  faults: SimulatorFaults = { ...NO_FAULTS };
  /** Requests served per path, for tests and benchmarks. */
  readonly requests = new Map<string, number>();
  /** Faults served, per kind: so a test can tell its faults actually happened. */
  readonly faultsServed = { unavailable: 0, hung: 0, malformed: 0 };

  private readonly store = new Map<Resource, Map<string, StoredRecord>>(RESOURCES.map((r) => [r, new Map()]));
  private readonly sorted = new Map<Resource, StoredRecord[] | null>();
  private readonly deletions: DeletionRecord[] = [];
  private readonly tokens = new Map<string, number>();
  private clock = Date.UTC(2026, 0, 1);
  private requestNo = 0;
  private app?: FastifyInstance;

  constructor(readonly municipalityCode: string) {}

  /** The population's children of this municipality, with their case data. */
  static fromPopulation(population: Population, municipalityCode: string): CaseSystemSimulator {
    const sim = new CaseSystemSimulator(municipalityCode);
    for (const child of population.children()) if (child.municipalityCode === municipalityCode) sim.addChild(child);
    return sim;
  }

  addChild(c: SynthChild): void {
    const child: ChildRecord = { id: c.externalId, cpr: c.cpr, firstName: c.firstName, lastName: c.lastName, birthDate: c.birthDate, municipalityCode: c.municipalityCode, modifiedAt: this.tick() };
    this.put('children', child as unknown as StoredRecord);
    for (const h of c.custodyHolders) this.put('custody-holders', { id: h.externalId, childId: c.externalId, name: h.name, relation: h.relation, cpr: h.cpr, modifiedAt: this.tick() });
    for (const p of c.placements) this.put('placements', { id: p.externalId, childId: c.externalId, type: p.type, placeName: p.placeName, legalBasis: p.legalBasis, startDate: p.startDate, endDate: p.endDate, modifiedAt: this.tick() });
    for (const k of c.caseContacts) this.put('case-contacts', { id: k.externalId, childId: c.externalId, role: k.role, name: k.name, organisation: k.organisation, email: k.email, phone: k.phone, startDate: k.startDate, endDate: k.endDate, modifiedAt: this.tick() });
  }

  /** A live edit at the source: the record gets a new modifiedAt; a key patched to undefined is dropped. */
  update(resource: Resource, id: string, patch: Record<string, unknown>): void {
    const current = this.store.get(resource)!.get(id);
    if (!current) throw new Error(`no ${resource} ${id}`);
    const next: StoredRecord = { ...current, ...patch, id, modifiedAt: this.tick() };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete next[k];
    this.put(resource, next);
  }

  /** Deletes a record (a child takes its dependent records with it) and logs it in the deletions feed. */
  remove(resource: Resource, id: string): void {
    if (!this.store.get(resource)!.delete(id)) throw new Error(`no ${resource} ${id}`);
    this.sorted.set(resource, null);
    this.deletions.push({ sequence: this.deletions.length + 1, resource, id, deletedAt: this.tick() });
    if (resource === 'children') {
      for (const dep of RESOURCES.filter((r) => r !== 'children')) {
        for (const r of [...this.store.get(dep)!.values()]) if (r.childId === id) this.remove(dep, r.id);
      }
    }
  }

  records(resource: Resource): StoredRecord[] {
    return [...this.store.get(resource)!.values()];
  }

  /** Ids the simulator serves broken under the current `malformedRate`. */
  isMalformed(id: string): boolean {
    return this.faults.malformedRate > 0 && unit(this.faults.seed, hashId(id)) < this.faults.malformedRate;
  }

  /** The field a malformed record is broken in (what its quarantine reason names), or null. */
  malformedField(resource: Resource, id: string): string | null {
    const r = this.store.get(resource)!.get(id);
    return r && this.isMalformed(id) ? corrupt(resource, r).field : null;
  }

  async start(port = 0): Promise<string> {
    const app = Fastify({ logger: false });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post('/oauth/token', (req, reply) => this.token(req, reply));
    for (const resource of RESOURCES) app.get(`/v1/${resource}`, (req, reply) => this.page(resource, req, reply));
    app.get('/v1/deletions', (req, reply) => this.deletionPage(req, reply));
    await app.listen({ host: '127.0.0.1', port });
    this.app = app;
    const { port: bound } = app.server.address() as { port: number };
    return `http://127.0.0.1:${bound}`;
  }

  async stop(): Promise<void> {
    this.app?.server.closeAllConnections();
    await this.app?.close();
  }

  private tick(): string {
    return new Date(++this.clock).toISOString();
  }

  private put(resource: Resource, record: StoredRecord): void {
    this.store.get(resource)!.set(record.id, record);
    this.sorted.set(resource, null);
  }

  private token(req: FastifyRequest, reply: FastifyReply) {
    const refused = refuseClientCredentials(req, this.credentials);
    if (refused) return reply.code(refused.status).send({ error: refused.error });
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + TOKEN_TTL_S * 1000);
    return reply.send({ access_token: token, token_type: 'Bearer', expires_in: TOKEN_TTL_S });
  }

  /** Auth, latency and injected failures common to every data request; true = answered already. */
  private async gate(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    this.requests.set(req.routeOptions.url ?? req.url, (this.requests.get(req.routeOptions.url ?? req.url) ?? 0) + 1);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const authorised = (bearer && (this.tokens.get(bearer) ?? 0) > Date.now()) || req.headers['x-api-key'] === this.credentials.apiKey;
    if (!authorised) {
      reply.code(401).send({ error: 'unauthorized' });
      return true;
    }
    const n = ++this.requestNo;
    const started = Date.now();
    const unavailable = await injectFaults(this.faults, n);
    // injectFaults decides hangs itself: one shows as a wait of latency + hangMs (less timer slack).
    if (this.faults.timeoutRate > 0 && Date.now() - started >= this.faults.latencyMs + this.faults.hangMs * 0.9) this.faultsServed.hung++;
    if (unavailable) {
      this.faultsServed.unavailable++;
      reply.code(503).send({ error: 'service unavailable (simulated)' });
      return true;
    }
    return false;
  }

  private async page(resource: Resource, req: FastifyRequest, reply: FastifyReply) {
    if (await this.gate(req, reply)) return;
    const q = req.query as { modifiedSince?: string; pageToken?: string; pageSize?: string };
    const size = Math.min(MAX_PAGE, Math.max(1, Number(q.pageSize ?? 100) || 100));
    let after: { m: string; i: string } | undefined;
    if (q.pageToken) {
      try {
        after = JSON.parse(Buffer.from(q.pageToken, 'base64url').toString());
      } catch {
        return reply.code(400).send({ error: 'invalid pageToken' });
      }
    }
    const all = this.sortedRecords(resource);
    // Keyset: (modifiedAt, id) after the token, modifiedAt at or after modifiedSince.
    const items: unknown[] = [];
    let i = lowerBound(all, after ? after.m : (q.modifiedSince ?? ''));
    for (; i < all.length && items.length < size; i++) {
      const r = all[i];
      if (after && (r.modifiedAt < after.m || (r.modifiedAt === after.m && r.id <= after.i))) continue;
      if (q.modifiedSince && r.modifiedAt < q.modifiedSince) continue;
      if (this.isMalformed(r.id)) {
        this.faultsServed.malformed++;
        items.push(corrupt(resource, r).record);
      } else items.push(r);
    }
    const last = items.length ? (all[i - 1] as StoredRecord) : undefined;
    const more = i < all.length && last !== undefined;
    return reply.send({ items, nextPageToken: more ? Buffer.from(JSON.stringify({ m: last.modifiedAt, i: last.id })).toString('base64url') : null });
  }

  private async deletionPage(req: FastifyRequest, reply: FastifyReply) {
    if (await this.gate(req, reply)) return;
    const q = req.query as { afterSequence?: string; pageSize?: string };
    const after = Number(q.afterSequence ?? 0);
    const size = Math.min(MAX_PAGE, Math.max(1, Number(q.pageSize ?? 100) || 100));
    const items = this.deletions.filter((d) => d.sequence > after).slice(0, size);
    const more = items.length > 0 && items[items.length - 1].sequence < this.deletions.length;
    return reply.send({ items, nextPageToken: more ? String(items[items.length - 1].sequence) : null });
  }

  private sortedRecords(resource: Resource): StoredRecord[] {
    let list = this.sorted.get(resource);
    if (!list) {
      list = [...this.store.get(resource)!.values()].sort((a, b) => (a.modifiedAt < b.modifiedAt ? -1 : a.modifiedAt > b.modifiedAt ? 1 : a.id < b.id ? -1 : 1));
      this.sorted.set(resource, list);
    }
    return list;
  }
}

function lowerBound(list: StoredRecord[], modifiedAt: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].modifiedAt < modifiedAt) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One of the ways a real export goes wrong, chosen by the record's id, and the field it breaks. */
function corrupt(resource: Resource, r: StoredRecord): { record: unknown; field: string } {
  const kind = (hashId(r.id) >>> 3) % 3;
  const copy: Record<string, unknown> = { ...r };
  const broken = (field: string, value?: unknown) => {
    if (value === undefined) delete copy[field];
    else copy[field] = value;
    return { record: copy, field };
  };
  if (resource === 'children') {
    if (kind === 0) return broken('cpr', '123456-78');
    if (kind === 1) return broken('lastName');
    return broken('birthDate', '2013-02-30');
  }
  if (kind === 0) return broken('childId');
  if (kind === 1 && 'startDate' in copy) return broken('startDate', '2025-13-01');
  if ('endDate' in copy) return broken('endDate', '1999-01-01'); // ends before it starts
  return broken('name', '');
}
