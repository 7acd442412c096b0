import 'reflect-metadata';
import { Client } from 'pg';
import { migrate, openOrm } from '../../src/platform/db/orm';
import { checkPostgres, checkRedis } from '../../src/platform/preflight';
import { ADMIN_URL, databaseUrl, REDIS_URL, templateDatabase } from './run-id';

/**
 * One migrated template database per jest run; each test file clones it (CREATE DATABASE
 * … TEMPLATE), so files run in parallel on their own data and never touch the demo database.
 */
export default async function globalSetup(): Promise<void> {
  process.env.SKOLEBRO_TEST_RUN = `${Date.now().toString(36)}_${process.pid}`;
  await checkPostgres(ADMIN_URL);
  await checkRedis(REDIS_URL);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${templateDatabase()}"`);
  } finally {
    await admin.end();
  }
  // No entities here: globalSetup runs outside the test sandboxes, and entity metadata
  // discovered in this realm would leak into an in-band test file's MikroORM.
  const orm = await openOrm(databaseUrl(templateDatabase()), { entities: [], discovery: { warnWhenNoEntities: false } });
  try {
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
}
