import { Client } from 'pg';
import { migrate, openOrm, type Orm } from '../../src/platform/db/orm';
import { createTestDatabase } from '../support/test-runtime';
import { someoneWaits } from '../support/locks';

/**
 * attendance_day keeps its references with set-based triggers (Migration20261124000000), not
 * foreign keys: these tests hold the triggers to everything the foreign keys guaranteed,
 * including under concurrent deletes.
 */
describe('attendance_day references', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: Orm;
  let municipalityId: string;
  let sourceId: string;
  const clients: Client[] = [];

  const connect = async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const sql = async <T = Record<string, unknown>>(text: string, values: unknown[] = []) => (await orm.em.getConnection().execute<T[]>(text, values));
  const newChild = async (): Promise<string> => {
    const [c] = await sql<{ id: string }>(
      `insert into child (municipality_id, cpr_hmac, first_name, last_name, birth_date) values (?, md5(random()::text) || md5(random()::text), 'Freja', 'Test', '2012-03-04') returning id`,
      [municipalityId],
    );
    return c.id;
  };
  const attendance = (childId: string, source = sourceId, day = '2026-01-05') =>
    `insert into attendance_day (source_system_id, external_id, child_id, date, status) values ('${source}', md5(random()::text), '${childId}', '${day}', 'present')`;
  const daysOf = async (childId: string) => Number((await sql<{ n: string }>(`select count(*) as n from attendance_day where child_id = ?`, [childId]))[0].n);
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }));

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    orm = await openOrm(db.url);
    await migrate(orm);
    [{ id: municipalityId }] = await sql<{ id: string }>(`insert into municipality (code, name) values ('167', 'Hvidovre') returning id`);
    [{ id: sourceId }] = await sql<{ id: string }>(`insert into source_system (municipality_id, name, kind) values (?, 'test', 'synthetic') returning id`, [municipalityId]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await orm.close(true);
    await db.drop();
  });

  it('are the set-based triggers, not per-row foreign keys', async () => {
    const fks = await sql<{ conname: string }>(`select conname from pg_constraint where conrelid = 'attendance_day'::regclass and contype = 'f'`);
    expect(fks).toEqual([]);
  });

  it('refuse a row for a child or a source system that does not exist, by insert, upsert or update', async () => {
    const child = await newChild();
    const ghost = '00000000-0000-4000-8000-000000000001';
    expect(await failure(sql(attendance(ghost)))).toMatchObject({ code: '23503', message: expect.stringContaining('child that does not exist') });
    expect(await failure(sql(attendance(child, ghost)))).toMatchObject({ code: '23503', message: expect.stringContaining('source system that does not exist') });
    await sql(attendance(child));
    expect(await failure(sql(`update attendance_day set child_id = ? where child_id = ?`, [ghost, child]))).toMatchObject({ code: '23503' });
    const [{ external_id }] = await sql<{ external_id: string }>(`select external_id from attendance_day where child_id = ?`, [child]);
    expect(
      await failure(
        sql(
          `insert into attendance_day (source_system_id, external_id, child_id, date, status) values (?, ?, ?, '2026-01-06', 'present')
           on conflict (source_system_id, external_id) do update set child_id = excluded.child_id, date = excluded.date`,
          [sourceId, external_id, ghost],
        ),
      ),
    ).toMatchObject({ code: '23503' });
    // A page of many rows for existing children goes in whole.
    const other = await newChild();
    await sql(
      `insert into attendance_day (source_system_id, external_id, child_id, date, status)
       select ?::uuid, md5(random()::text), c.id, date '2026-02-01' + d, 'present' from child c, generate_series(0, 9) d where c.id in (?, ?)`,
      [sourceId, child, other],
    );
    expect([await daysOf(child), await daysOf(other)]).toEqual([11, 10]);
  });

  it('delete a child’s attendance with the child, and keep a source system with attendance from being deleted', async () => {
    const child = await newChild();
    const kept = await newChild();
    await sql(attendance(child));
    await sql(attendance(kept));
    await sql(`delete from child where id = ?`, [child]);
    expect([await daysOf(child), await daysOf(kept)]).toEqual([0, 1]);
    expect(await failure(sql(`delete from source_system where id = ?`, [sourceId]))).toMatchObject({ code: '23503' });
    expect(await failure(sql(`update child set id = gen_random_uuid() where id = ?`, [kept]))).toMatchObject({ code: '23503' });
  });

  it('an insert racing a child’s delete waits for it and fails, leaving no orphan', async () => {
    const child = await newChild();
    const deleter = await connect();
    const writer = await connect();
    await deleter.query('begin');
    await deleter.query(`delete from child where id = $1`, [child]);
    await writer.query('begin');
    const insert = failure(writer.query(attendance(child))); // blocks on the deleted child's row lock
    expect(await someoneWaits(sql)).toBe(true);
    await deleter.query('commit');
    expect(await insert).toMatchObject({ code: '23503' });
    await writer.query('rollback');
    expect(await daysOf(child)).toBe(0);
  });

  it('a child’s delete racing an uncommitted insert waits for it and takes the new rows along', async () => {
    const child = await newChild();
    const writer = await connect();
    const deleter = await connect();
    await writer.query('begin');
    await writer.query(attendance(child)); // holds the child FOR KEY SHARE
    const removal = deleter.query(`delete from child where id = $1`, [child]);
    expect(await someoneWaits(sql)).toBe(true);
    await writer.query('commit');
    await removal;
    expect(await daysOf(child)).toBe(0);
  });
});
