import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from './orm-options';

export type Orm = MikroORM;

export type OrmOverrides = Partial<ReturnType<typeof ormOptions>>;

export async function openOrm(databaseUrl: string, overrides: OrmOverrides = {}): Promise<Orm> {
  return MikroORM.init({ ...ormOptions(databaseUrl), ...overrides });
}

/** Applies pending committed migrations; returns their names. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
