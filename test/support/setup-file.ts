import 'reflect-metadata';

// MikroORM keeps decorator metadata in globalThis['mikro-orm-metadata']. Jest can hand a test
// file a global that already holds entries from globalSetup or an earlier file (another
// realm: their Maps fail MikroORM's clone). Each file starts with an empty store; its own
// imports re-register every entity.
(globalThis as Record<string, unknown>)['mikro-orm-metadata'] = {};
