import { rawQuery } from '../../src/platform/db/bulk';
import { API_READER_ROLE, TenantPools } from '../../src/platform/db/tenant-scope';
import { ensureMunicipality } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

/** Reference tables the partner reader may see whole: no personal data, the same for every tenant. */
const REFERENCE_TABLES = ['municipality', 'school'];

/** The restricted role partner reads run as can read nothing that no tenant policy confines. */
describe('the partner reader role', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime();
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('reads only tables under a tenant policy for it, or reference tables', async () => {
    const { rows } = await rawQuery<{ table: string; rls: boolean; policed: boolean }>(
      rt.orm.em.fork(),
      `select c.relname as table, c.relrowsecurity as rls,
              exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname
                        and ? = any(p.roles) and p.cmd in ('SELECT', 'ALL')) as policed
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
         and has_table_privilege(?, c.oid, 'select')
       order by 1`,
      [API_READER_ROLE, API_READER_ROLE],
    );
    expect(rows.length).toBeGreaterThan(REFERENCE_TABLES.length);
    const unconfined = rows.filter((r) => !REFERENCE_TABLES.includes(r.table) && !(r.rls && r.policed)).map((r) => r.table);
    expect(unconfined).toEqual([]);
  });

  it('cannot read the access log, consent history, quarantine, partner secrets or sync bookkeeping', async () => {
    const hvidovre = await ensureMunicipality(rt, '167', 'Hvidovre');
    const tenants = new TenantPools(rt.config.DATABASE_URL);
    try {
      const em = await tenants.em(hvidovre);
      for (const table of ['audit_event', 'consent_event', 'quarantined_record', 'partner_app', 'source_system', 'sync_run', 'sync_state', 'pupil_record', 'attendance_summary_pending']) {
        await expect(rawQuery(em, `select 1 from ${table} limit 1`, [])).rejects.toThrow(/permission denied/);
      }
      // What a partner read needs stays readable.
      await expect(rawQuery(em, `select count(*) from child`, [])).resolves.toBeDefined();
    } finally {
      await tenants.close();
    }
  });
});
