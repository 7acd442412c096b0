import 'reflect-metadata';
import { defineConfig, ReflectMetadataProvider } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { join } from 'node:path';
import { createStages } from './copy';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** ORM options for a database URL. Schema changes only ever come from committed migrations. */
export function ormOptions(databaseUrl: string) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    discovery: { warnWhenNoEntities: true },
    extensions: [Migrator],
    migrations: {
      tableName: 'mikro_orm_migrations',
      // New migrations are written here by `npm run migration:create`, then added to MIGRATIONS.
      pathTs: join(__dirname, '../../../../src/platform/db/migrations'),
      path: join(__dirname, 'migrations'),
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: 10, afterCreate: createStages },
    debug: false,
  });
}

