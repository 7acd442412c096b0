import type { EntityManager } from '@mikro-orm/postgresql';

/** The restricted database role child-data reads run as; row-level security applies to it. */
export const API_READER_ROLE = 'skolebro_api_reader';
/** Transaction-local setting the RLS policies compare each row's municipality with. */
export const TENANT_SETTING = 'skolebro.municipality_id';

/**
 * Defence in depth for one request's child-data reads: a read-only transaction as the
 * restricted role, with the tenant set transaction-locally, so even a query that forgot its
 * municipality filter cannot see another municipality's rows (RLS, see migration). Opened on
 * first use; `end()` rolls it back (nothing is ever written through it).
 */
export class TenantScope {
  private scoped?: Promise<EntityManager>;

  constructor(
    private readonly rootEm: EntityManager,
    readonly municipalityId: string,
  ) {}

  em(): Promise<EntityManager> {
    this.scoped ??= (async () => {
      const em = this.rootEm.fork({ clear: true });
      await em.begin({ readOnly: true });
      await em.getConnection().execute(`set local role ${API_READER_ROLE}`, [], 'run', em.getTransactionContext());
      await em.getConnection().execute(`select set_config('${TENANT_SETTING}', ?, true)`, [this.municipalityId], 'run', em.getTransactionContext());
      return em;
    })();
    return this.scoped;
  }

  async end(): Promise<void> {
    if (!this.scoped) return;
    const em = await this.scoped.catch(() => undefined);
    this.scoped = undefined;
    if (em?.isInTransaction()) await em.rollback();
  }
}
