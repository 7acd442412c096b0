/** Names shared by globalSetup, test files and globalTeardown of one jest run. */
export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function runId(): string {
  const id = process.env.SKOLEBRO_TEST_RUN;
  if (!id) throw new Error('SKOLEBRO_TEST_RUN is not set: run the tests through jest (globalSetup sets it)');
  return id;
}

export const databasePrefix = () => `skolebro_test_${runId()}`;
export const templateDatabase = () => `${databasePrefix()}_template`;
export const redisPrefix = () => `skolebro-test-${runId()}`;

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
