import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from './orm-options';

export type Orm = MikroORM;

export async function openOrm(databaseUrl: string): Promise<Orm> {
  return MikroORM.init(ormOptions(databaseUrl));
}

/** Applies pending committed migrations; returns their names. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
