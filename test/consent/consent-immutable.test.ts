import { rawQuery } from '../../src/platform/db/bulk';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** Consent is never updated in place: the database refuses, whoever connects (DOMAIN.md). */
describe('consent rows', () => {
  let rt: TestRuntime;
  let consentId: string;
  const q = (sql: string, params: unknown[] = []) => rawQuery(rt.orm.em.fork(), sql, params);

  beforeAll(async () => {
    rt = await createTestRuntime();
    const { rows } = await rawQuery<{ id: string }>(
      rt.orm.em.fork(),
      `with m as (insert into municipality (code, name) values ('167', 'Hvidovre') returning id),
            c as (insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) select id, 'h1', 'Asta', 'Bruun', date '2012-03-04' from m returning id, municipality_id),
            k as (insert into consent (municipality_id, child_id, grantor_kind, legal_basis, evidence_ref, status, valid_from, created_by)
                  select municipality_id, id, 'legal_basis', 'Barnets lov §46', 'sag 1', 'active', now(), 'test' from c returning id)
       insert into consent_provision (consent_id, effect, recipient_role, categories, purposes)
       select id, 'permit', 'school', '{attendance}', '{school_support}' from k returning consent_id as id`,
      [],
    );
    consentId = rows[0].id;
  });
  afterAll(() => rt?.dispose());

  it.each([
    ['evidence', `update consent set evidence_ref = 'other' where id = ?`],
    ['validity', `update consent set valid_to = now() + interval '10 years' where id = ?`],
    ['legal basis', `update consent set legal_basis = 'Barnets lov §32' where id = ?`],
    ['a provision', `update consent_provision set categories = '{attendance,grades,wellbeing}' where consent_id = ?`],
  ])('refuses a change of its terms (%s)', async (_what, sql) => {
    await expect(q(sql, [consentId])).rejects.toThrow(/never changed/);
  });

  it('refuses deleting a provision while its consent exists (a deleted deny widens access)', async () => {
    await expect(q(`delete from consent_provision where consent_id = ?`, [consentId])).rejects.toThrow(/never deleted/);
  });

  it('allows the status to change (withdrawal, supersession), but never back to active', async () => {
    await q(`update consent set status = 'withdrawn' where id = ?`, [consentId]);
    expect((await q(`select status, evidence_ref from consent where id = ?`, [consentId])).rows).toEqual([{ status: 'withdrawn', evidence_ref: 'sag 1' }]);
    await expect(q(`update consent set status = 'active' where id = ?`, [consentId])).rejects.toThrow(/never becomes active again/);
  });

  it('is never deleted while its child exists (a deleted deny widens access)', async () => {
    await expect(q(`delete from consent where id = ?`, [consentId])).rejects.toThrow(/never deleted while its child exists/);
  });

  it('goes with its child, provisions included', async () => {
    await q(`delete from child`);
    expect((await q(`select (select count(*)::int from consent) as consents, (select count(*)::int from consent_provision) as provisions`)).rows).toEqual([{ consents: 0, provisions: 0 }]);
  });
});
