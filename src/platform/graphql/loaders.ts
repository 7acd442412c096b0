import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';

/** A batch function defined next to the capability that owns the relation. */
export interface LoaderDefinition<K, V> {
  /** `municipalityId`: the requester's municipality, which every child-data query filters by. */
  batch(em: EntityManager, keys: readonly K[], municipalityId?: string): Promise<V[]>;
}

/**
 * The filter of a child-owned relation: these children, and only if they belong to the
 * requester's municipality. Row-level security holds the same line underneath; this keeps the
 * query itself honest (and the line held where RLS is off: admin reads, benchmarks).
 */
export function ofChildren(childIds: readonly string[], municipalityId?: string) {
  return { child: municipalityId ? { id: { $in: [...childIds] }, municipality: municipalityId } : { $in: [...childIds] } };
}

/**
 * One DataLoader per definition per request: every relation is fetched in one query per level.
 * The EntityManager is asked for lazily, so child data loads through the request's tenant scope.
 */
export class LoaderRegistry {
  private readonly loaders = new Map<LoaderDefinition<unknown, unknown>, DataLoader<unknown, unknown>>();

  constructor(
    private readonly em: () => Promise<EntityManager>,
    private readonly municipalityId?: string,
  ) {}

  get<K, V>(definition: LoaderDefinition<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(definition as LoaderDefinition<unknown, unknown>);
    if (!loader) {
      loader = new DataLoader<K, V>(async (keys) => definition.batch(await this.em(), keys, this.municipalityId)) as DataLoader<unknown, unknown>;
      this.loaders.set(definition as LoaderDefinition<unknown, unknown>, loader);
    }
    return loader as DataLoader<K, V>;
  }
}

/** Groups rows by key in the order of `keys` (missing keys get an empty list). */
export function groupByKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return keys.map((k) => groups.get(k) ?? []);
}

/** One row per key in the order of `keys` (missing keys get null). */
export function indexByKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r] as const));
  return keys.map((k) => byKey.get(k) ?? null);
}
