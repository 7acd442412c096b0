import { CONSENT_FACTS_SQL, consentFactsByChild } from '../../src/consent/consent-facts.loader';
import { rawQuery } from '../../src/platform/db/bulk';
import { API_READER_ROLE, TENANT_SETTING } from '../../src/platform/db/tenant-scope';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** The consent lookup every child read makes: right facts, and an index lookup at any scale. */
describe('consent facts loader', () => {
  let rt: TestRuntime;
  let municipalityId: string;
  let children: string[];

  beforeAll(async () => {
    rt = await createTestRuntime();
    const em = rt.orm.em.fork();
    [{ id: municipalityId }] = (await rawQuery<{ id: string }>(em, `insert into municipality (code, name) values ('167', 'Hvidovre') returning id`, [])).rows;
    children = (
      await rawQuery<{ id: string }>(
        em,
        `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date)
         select ?::uuid, md5(g::text) || md5(g::text), 'Barn', 'Nr' || g, date '2012-01-01' + g % 365 from generate_series(1, 3000) g returning id`,
        [municipalityId],
      )
    ).rows.map((r) => r.id);
    // Every child: one active legal basis for schools; the first child also a withdrawn consent.
    await rawQuery(
      em,
      `with c as (
         insert into consent (municipality_id, child_id, grantor_kind, legal_basis, evidence_ref, status, valid_from, created_by)
         select ?::uuid, id, 'legal_basis', 'serviceloven § 153', 'test', 'active', now() - interval '1 day', 'test' from child
         union all
         select ?::uuid, ?::uuid, 'legal_basis', 'old', 'test', 'withdrawn', now() - interval '9 days', 'test'
         returning id, status)
       insert into consent_provision (consent_id, effect, recipient_role, categories, purposes)
       select id, 'permit', 'school', case when status = 'active' then '{attendance,grades}'::text[] else '{wellbeing}'::text[] end, '{school_support}' from c`,
      [municipalityId, municipalityId, children[0]],
    );
    await rawQuery(em, 'analyze', []);
  });
  afterAll(() => rt?.dispose());

  it('returns each child’s active consents with their provisions, and nothing for others', async () => {
    const facts = await consentFactsByChild.batch(rt.orm.em.fork(), [children[0], children[1], '00000000-0000-4000-8000-000000000000']);
    expect(facts.map((f) => f.length)).toEqual([1, 1, 0]);
    expect(facts[0][0]).toMatchObject({ status: 'active', provisions: [{ effect: 'permit', recipientRole: 'school', categories: ['attendance', 'grades'], purposes: ['school_support'] }] });
  });

  it('is an index lookup on the children asked for, not a scan of the municipality’s consents (as a partner read runs it)', async () => {
    const plan = await rt.orm.em.fork().transactional(async (tx) => {
      await rawQuery(tx, `select set_config(?, ?, true)`, [TENANT_SETTING, municipalityId]);
      await rawQuery(tx, `set local role ${API_READER_ROLE}`, []);
      const { rows } = await rawQuery<{ 'QUERY PLAN': unknown }>(tx, `explain (format json) ${CONSENT_FACTS_SQL}`, [JSON.stringify(children.slice(0, 2))]);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    });
    expect(plan).toContain('consent_child_id_status_index');
    expect(plan).not.toMatch(/"Node Type":\s*"Seq Scan",[^}]*"Relation Name":\s*"consent"/);
  });
});
