import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCaseSystemConfig, parseCaseSystemSettings } from '../../connectors/case-system/config';
import { mapCaseSystemRecord } from '../../connectors/case-system/mapper';
import { projectRoot } from '../../src/platform/paths';

const ctx = { municipalityCode: '167', hashCpr: (cpr: string) => `hash:${cpr}` };
const modifiedAt = '2026-01-01T00:00:00.000Z';

/** A record of each schema with every property set (valid under the contract and the mapper). */
const SAMPLES: Record<string, { stream: string; record: Record<string, unknown> }> = {
  Child: { stream: 'children', record: { id: 'c1', cpr: '010815-1234', firstName: 'Ada', lastName: 'Berg', birthDate: '2015-08-01', municipalityCode: '167', modifiedAt } },
  Placement: {
    stream: 'placements',
    record: { id: 'p1', childId: 'c1', type: 'foster_family', placeName: 'Familien Holm', legalBasis: 'Barnets lov §46', startDate: '2024-01-01', endDate: '2025-01-01', modifiedAt },
  },
  CaseContact: {
    stream: 'case-contacts',
    record: { id: 'k1', childId: 'c1', role: 'caseworker', name: 'Rådgiver', organisation: 'Hvidovre Kommune', email: 'r@hvidovre.dk', phone: '36393639', startDate: '2024-01-01', endDate: '2025-01-01', modifiedAt },
  },
  CustodyHolder: { stream: 'custody-holders', record: { id: 'h1', childId: 'c1', name: 'Mor', relation: 'mother', cpr: '020870-1234', modifiedAt } },
  Deletion: { stream: 'deletions', record: { sequence: 1, resource: 'children', id: 'c1', deletedAt: modifiedAt } },
};
/** Required keys the mapper does not read: a deletion applies whenever it was made. */
const UNREAD = new Set(['Deletion.deletedAt']);

/** required and nullable properties of a record schema in openapi.yaml (its `type: object` blocks). */
function contract(name: string): { required: string[]; properties: { key: string; nullable: boolean }[] } {
  const yaml = readFileSync(join(projectRoot(), 'connectors/case-system/openapi.yaml'), 'utf8');
  const block = new RegExp(`^    ${name}:\\n      type: object\\n      required: \\[(.*)\\]\\n      properties:\\n((?:        .*\\n)+)`, 'm').exec(yaml);
  if (!block) throw new Error(`no schema ${name} in openapi.yaml`);
  const properties = block[2].trimEnd().split('\n').map((line) => ({ key: line.trim().split(':')[0], nullable: line.includes("'null'") }));
  return { required: block[1].split(',').map((s) => s.trim()), properties };
}

describe('case-system mapper against openapi.yaml', () => {
  describe.each(Object.keys(SAMPLES))('%s', (name) => {
    const { stream, record } = SAMPLES[name];
    const { required, properties } = contract(name);
    const map = (data: Record<string, unknown>) => mapCaseSystemRecord(stream, data, ctx);
    const without = (key: string) => Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));

    it('the sample sets every property of the schema', () => {
      expect(Object.keys(record).sort()).toEqual(properties.map((p) => p.key).sort());
      expect(map(record)).toMatchObject({ ok: true });
    });

    it('accepts every optional key omitted and every nullable key null', () => {
      for (const p of properties) {
        if (!required.includes(p.key)) expect({ omitted: p.key, result: map(without(p.key)) }).toMatchObject({ result: { ok: true } });
        if (p.nullable) expect({ nulled: p.key, result: map({ ...record, [p.key]: null }) }).toMatchObject({ result: { ok: true } });
      }
    });

    it('refuses a required key omitted, naming it', () => {
      for (const key of required.filter((k) => !UNREAD.has(`${name}.${k}`))) {
        expect({ omitted: key, result: map(without(key)) }).toMatchObject({ result: { ok: false, reason: expect.stringContaining(key) } });
      }
    });
  });

  it('lands a case contact and a custody holder sent without their optional keys, as nulls', () => {
    const contact = mapCaseSystemRecord('case-contacts', { id: 'k1', childId: 'c1', role: 'other', name: 'N', startDate: '2024-01-01', endDate: null, modifiedAt }, ctx);
    expect(contact).toMatchObject({ ok: true, records: [{ target: 'case_contact', organisation: null, email: null, phone: null }] });
    const holder = mapCaseSystemRecord('custody-holders', { id: 'h1', childId: 'c1', name: 'Far', relation: 'father', modifiedAt }, ctx);
    expect(holder).toMatchObject({ ok: true, records: [{ target: 'custody_holder', cprHmac: null }] });
  });
});

describe('case-system config: CPR numbers travel over TLS only', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });
  const config = (baseUrl: string) => ({ baseUrl, auth: { type: 'api_key', apiKey: 'k'.repeat(16) } });

  it('refuses plain http to a remote host in production, as a config error', () => {
    process.env.NODE_ENV = 'production';
    for (const url of ['http://case.example.dk', 'http://10.0.0.7:8080', 'http://[::2]', 'http://localhost.example.dk']) {
      expect(() => parseCaseSystemConfig(config(url))).toThrow(expect.objectContaining({ failure: 'config_error', message: expect.stringContaining('baseUrl must be https') }));
    }
    expect(() => parseCaseSystemSettings({ baseUrl: 'http://case.example.dk' })).toThrow(/baseUrl must be https/);
  });

  it('accepts https anywhere and http to a loopback host in production', () => {
    process.env.NODE_ENV = 'production';
    for (const url of ['https://case.example.dk', 'http://127.0.0.1:4010', 'http://127.8.9.10', 'http://127.1', 'http://[::1]:4010', 'http://localhost:4010']) {
      expect(parseCaseSystemConfig(config(url)).baseUrl).toBe(url);
    }
  });

  it('accepts plain http outside production (demo and tests)', () => {
    process.env.NODE_ENV = 'development';
    expect(parseCaseSystemConfig(config('http://case.example.dk')).baseUrl).toBe('http://case.example.dk');
  });
});
