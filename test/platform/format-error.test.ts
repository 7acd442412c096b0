import { randomInt } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { Client } from 'pg';
import { formatError } from '../../src/platform/graphql/format-error';
import { createLogger } from '../../src/platform/logger';
import { ADMIN_URL } from '../support/run-id';

/** How errors leave the API: real PostgreSQL errors in, stable codes and no database detail out. */
describe('formatError', () => {
  const clients: Client[] = [];
  const connect = async () => {
    const c = new Client({ connectionString: ADMIN_URL });
    await c.connect();
    clients.push(c);
    return c;
  };
  afterAll(() => Promise.all(clients.map((c) => c.end())));

  const format = formatError(createLogger({ NODE_ENV: 'test' }, 'test'));
  /** What a partner app would get for this error thrown by a resolver. */
  const answer = (err: Error) => {
    const wrapped = new GraphQLError(err.message, { path: ['confirmLink'], originalError: err });
    return format(wrapped.toJSON(), wrapped);
  };
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a database error'); }, (err: Error) => err);
  const key = () => randomInt(1, 2 ** 31);

  it('a lock wait that runs out is BUSY (retryable), without the database message', async () => {
    const [holder, waiter] = [await connect(), await connect()];
    const k = key();
    await holder.query('select pg_advisory_lock($1)', [k]);
    await waiter.query(`set lock_timeout = '50ms'`);
    const err = await failure(waiter.query('select pg_advisory_lock($1)', [k]));
    await holder.query('select pg_advisory_unlock($1)', [k]);
    expect((err as { code?: string }).code).toBe('55P03');
    const out = answer(err);
    expect(out.extensions).toEqual({ code: 'BUSY' });
    expect(out.message).not.toMatch(/lock timeout|canceling statement/i);
    expect(out.path).toEqual(['confirmLink']);
  });

  it('a deadlock PostgreSQL broke up is BUSY too', async () => {
    const [a, b] = [await connect(), await connect()];
    const [k1, k2] = [key(), key()];
    // Transaction-scoped locks: the transaction PostgreSQL aborts releases its lock, the other goes on.
    await a.query('begin');
    await b.query('begin');
    await a.query('select pg_advisory_xact_lock($1)', [k1]);
    await b.query('select pg_advisory_xact_lock($1)', [k2]);
    const first = a.query('select pg_advisory_xact_lock($1)', [k2]).then(() => undefined, (err: Error) => err);
    await new Promise((r) => setTimeout(r, 100));
    const second = b.query('select pg_advisory_xact_lock($1)', [k1]).then(() => undefined, (err: Error) => err);
    const errors = (await Promise.all([first, second])).filter((e): e is Error => e instanceof Error);
    await a.query('rollback');
    await b.query('rollback');
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['40P01']);
    expect(answer(errors[0]).extensions).toEqual({ code: 'BUSY' });
  });

  it('any other database error is INTERNAL_SERVER_ERROR with no detail', async () => {
    const c = await connect();
    const err = await failure(c.query('select * from no_such_table'));
    expect(answer(err)).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
