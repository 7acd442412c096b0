import { placementsByChild } from '../../src/children/children.loaders';
import { consentFactsByChild } from '../../src/consent/consent-facts.loader';
import { rawQuery } from '../../src/platform/db/bulk';
import { gradesByChild } from '../../src/schooling/schooling.loaders';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** Child-data loaders filter by the requester's municipality themselves, not only through RLS. */
describe('child-data loaders', () => {
  let rt: TestRuntime;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    rt = await createTestRuntime();
    const q = async (sql: string, params: unknown[]) => (await rawQuery<{ id: string }>(rt.orm.em.fork(), sql, params)).rows[0].id;
    for (const [key, code, name] of [['hvidovre', '167', 'Hvidovre'], ['svendborg', '479', 'Svendborg']]) {
      ids[key] = await q(`insert into municipality (code, name) values (?, ?) returning id`, [code, name]);
      const source = await q(`insert into source_system (municipality_id, name, kind) values (?, 'Sag', 'case_system') returning id`, [ids[key]]);
      const child = (ids[`${key}Child`] = await q(
        `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, ?, 'Asta', 'Bruun', date '2012-03-04') returning id`,
        [ids[key], `hash-${key}`],
      ));
      await q(
        `insert into placement (source_system_id, external_id, child_id, type, place_name, legal_basis, start_date) values (?, 'p1', ?, 'foster_family', 'Plejefamilien', 'Barnets lov §46', date '2024-01-01') returning id`,
        [source, child],
      );
      await q(
        `with k as (insert into consent (municipality_id, child_id, grantor_kind, legal_basis, evidence_ref, status, valid_from, created_by)
                    values (?, ?, 'legal_basis', 'Barnets lov §46', 'sag', 'active', now(), 'test') returning id)
         insert into consent_provision (consent_id, effect, recipient_role, categories, purposes) select id, 'permit', 'school', '{placement}', '{school_support}' from k returning consent_id as id`,
        [ids[key], child],
      );
    }
  });
  afterAll(() => rt?.dispose());

  it('return nothing of another municipality’s child, even on a connection without row-level security', async () => {
    const em = rt.orm.em.fork(); // the owner's connection: RLS does not apply to it
    const foreign = [ids.svendborgChild];
    expect(await placementsByChild.batch(em, foreign, ids.hvidovre)).toEqual([[]]);
    expect(await gradesByChild.batch(em, foreign, ids.hvidovre)).toEqual([[]]);
    expect(await consentFactsByChild.batch(em, foreign, ids.hvidovre)).toEqual([[]]);
    // Their own municipality's child is found, so the empty answers above are the filter's.
    expect((await placementsByChild.batch(em, foreign, ids.svendborg))[0]).toHaveLength(1);
    expect((await consentFactsByChild.batch(em, foreign, ids.svendborg))[0]).toHaveLength(1);
  });
});
