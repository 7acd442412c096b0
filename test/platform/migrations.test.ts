import { migrate, openOrm, type Orm } from '../../src/platform/db/orm';
import { createTestDatabase } from '../support/test-runtime';

const CANONICAL_TABLES = [
  'municipality', 'child', 'placement', 'case_contact', 'custody_holder', 'school', 'enrollment',
  'attendance_day', 'attendance_summary', 'grade', 'wellbeing', 'intervention', 'identity_link',
  'source_system', 'sync_run', 'quarantined_record', 'consent', 'consent_provision', 'consent_event',
  'partner_app', 'audit_event',
];
const SOURCED_TABLES = [
  'placement', 'case_contact', 'custody_holder', 'school', 'enrollment', 'attendance_day',
  'grade', 'wellbeing', 'intervention', 'identity_link',
];

describe('migrations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: Orm;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    orm = await openOrm(db.url);
  });
  afterAll(async () => {
    await orm.close(true);
    await db.drop();
  });

  it('apply from an empty database and are idempotent', async () => {
    const applied = await migrate(orm);
    expect(applied.length).toBeGreaterThan(0);
    expect(await migrate(orm)).toEqual([]);

    const rows = await orm.em.getConnection().execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = 'public'`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(CANONICAL_TABLES));
  });

  it('leave nothing between the entities and the database (no schema drift)', async () => {
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(diff.trim()).toBe('');
  });

  it('key every sourced table on (source_system_id, external_id)', async () => {
    const rows = await orm.em.getConnection().execute<{ table_name: string; cols: string }[]>(`
      select tc.table_name, string_agg(kcu.column_name, ',' order by kcu.ordinal_position) as cols
      from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name
      where tc.constraint_type = 'UNIQUE' and tc.table_schema = 'public'
      group by tc.table_name, tc.constraint_name`);
    const keyed = new Set(rows.filter((r) => r.cols === 'source_system_id,external_id').map((r) => r.table_name));
    for (const table of SOURCED_TABLES) expect({ table, keyed: keyed.has(table) }).toEqual({ table, keyed: true });
  });

  it('enforce the 7-step scale and grade levels 0–10 in the database', async () => {
    const conn = orm.em.getConnection();
    const constraint = async (sql: string) => {
      const [row] = await conn.execute<{ def: string }[]>(sql);
      return row.def;
    };
    expect(await constraint(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'grade_value_check'`)).toMatch(
      /\^\(12\|10\|7\|4\|02\|00\|-3\)\$/,
    );
    expect(await constraint(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'enrollment_grade_level_check'`)).toMatch(
      /grade_level >= 0.*grade_level <= 10/,
    );
  });
});
