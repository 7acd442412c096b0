import { openOrm, type Orm } from '../../src/platform/db/orm';
import { createTestDatabase } from '../support/test-runtime';

/** Health free text stored before the hub stopped keeping it is cleared by a migration. */
describe('Migration20261124080000', () => {
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

  it('clears CSV absence remarks and Ed-Fi absence reasons already stored, and nothing else', async () => {
    await orm.getMigrator().up({ to: 'Migration20261124070000' });
    const conn = orm.em.getConnection();
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

    await orm.getMigrator().up();
    expect(await conn.execute(`select external_id, note from attendance_day order by external_id`)).toEqual([
      { external_id: 'c1', note: null },
      { external_id: 'e1', note: 'kom kl. 9:15' }, // a late arrival's note is kept (DOMAIN.md)
    ]);
    expect(await conn.execute(`select redacted_payload from quarantined_record`)).toEqual([{ redacted_payload: { eventDate: '2025-13-01' } }]);
  });
});
