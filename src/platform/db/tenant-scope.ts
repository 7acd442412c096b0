import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../graphql/ids';
import { openOrm, type Orm, type OrmOverrides } from './orm';

/** The restricted database role child-data reads run as; row-level security applies to it. */
export const API_READER_ROLE = 'skolebro_api_reader';
/** Session setting the RLS policies compare each row's municipality with. */
export const TENANT_SETTING = 'skolebro.municipality_id';

/**
 * Defence in depth for partner reads of child data: one small connection pool per
 * municipality whose sessions start as the restricted role with the tenant set (PostgreSQL
 * startup options), so row-level security confines every query on it to that municipality —
 * a query that forgot its municipality filter still cannot cross tenants. Set at connect time,
 * it costs no statement per request and queries keep running in parallel.
 */
export class TenantPools {
  private readonly orms = new Map<string, Promise<Orm>>();

  constructor(
    private readonly databaseUrl: string,
    /** Same logging as the main ORM (tests count queries through it). */
    private readonly overrides: OrmOverrides = {},
    private readonly maxConnectionsPerTenant = 4,
  ) {}

  private orm(municipalityId: string): Promise<Orm> {
    // The id goes into a startup option: only a well-formed UUID may.
    if (!isUuid(municipalityId)) throw new Error('a tenant is a municipality id');
    let orm = this.orms.get(municipalityId);
    if (!orm) {
      orm = openOrm(this.databaseUrl, {
        ...this.overrides,
        pool: { min: 0, max: this.maxConnectionsPerTenant, idleTimeoutMillis: 60_000 },
        driverOptions: { connection: { options: `-c role=${API_READER_ROLE} -c ${TENANT_SETTING}=${municipalityId.toLowerCase()}` } },
      });
      orm.catch(() => this.orms.delete(municipalityId));
      this.orms.set(municipalityId, orm);
    }
    return orm;
  }

  /** A fresh EntityManager whose every query sees only this municipality's child data. */
  async em(municipalityId: string): Promise<EntityManager> {
    return (await this.orm(municipalityId)).em.fork();
  }

  async close(): Promise<void> {
    const orms = [...this.orms.values()];
    this.orms.clear();
    await Promise.all(orms.map(async (o) => (await o.catch(() => null))?.close(true)));
  }
}
