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

  it('clear health free text stored before the hub stopped keeping it (Migration20261124080000), and nothing else', async () => {
    // A database of its own, migrated up to just before, with such text in it.
    const before = await createTestDatabase({ empty: true });
    const earlier = await openOrm(before.url);
    try {
      await earlier.getMigrator().up({ to: 'Migration20261124070000' });
      const conn = earlier.em.getConnection();
      const one = async (sql: string, params: unknown[] = []) => ((await conn.execute(sql, params)) as { id: string }[])[0]?.id;
      const m = await one(`insert into municipality (code, name) values ('167', 'Hvidovre') returning id`);
      const csv = await one(`insert into source_system (municipality_id, name, kind) values (?, 'CSV', 'csv') returning id`, [m]);
      const edfi = await one(`insert into source_system (municipality_id, name, kind) values (?, 'Ed-Fi', 'edfi') returning id`, [m]);
      const child = await one(`insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, 'h', 'Asta', 'Bruun', '2012-03-04') returning id`, [m]);
      await conn.execute(
        `insert into attendance_day (source_system_id, external_id, child_id, date, status, note) values
           (?, 'c1', ?, '2025-09-01', 'illness', 'Mor ringede — hovedpine'), (?, 'e1', ?, '2025-09-02', 'partial', 'kom kl. 9:15')`,
        [csv, child, edfi, child],
      );
      await conn.execute(
        `insert into quarantined_record (source_system_id, stream, external_id, reason, redacted_payload) values
           (?, 'studentSchoolAttendanceEvents', 'x1', 'bad date', '{"eventDate":"2025-13-01","attendanceEventReason":"Psykiater"}'::jsonb)`,
        [edfi],
      );

      await earlier.getMigrator().up();
      expect(await conn.execute(`select external_id, note from attendance_day order by external_id`)).toEqual([
        { external_id: 'c1', note: null },
        { external_id: 'e1', note: 'kom kl. 9:15' }, // a late arrival's note is kept (DOMAIN.md)
      ]);
      expect(await conn.execute(`select redacted_payload from quarantined_record`)).toEqual([{ redacted_payload: { eventDate: '2025-13-01' } }]);
    } finally {
      await earlier.close(true);
      await before.drop();
    }
  });
});
