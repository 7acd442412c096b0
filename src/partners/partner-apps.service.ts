import { recordAdminChange } from '../audit/admin-change';
import type { EntityManager } from '@mikro-orm/postgresql';
import { rawQuery } from '../platform/db/bulk';
import { HubError } from '../platform/graphql/errors';
import type { Actor } from './actor';
import { generateClientId, generateClientSecret, hashClientSecret } from './client-secret';
import { PartnerApp } from './partner-app.entity';
import type { PartnerRole } from './partner-role';
import { actorMunicipality } from '../municipalities/actor-municipality';

export interface RegisterPartnerApp {
  name: string;
  municipalityCode: string;
  role: PartnerRole;
  purposes: string[];
}

/** An app with the secret that was just generated for it; the secret exists nowhere else. */
export interface PartnerAppWithSecret {
  app: PartnerApp;
  clientSecret: string;
}

/**
 * Admin operations on partner apps, within the actor's tenant: an admin bound to a municipality
 * sees and registers only its own apps; another tenant's app is as unknown as a missing one.
 */
export class PartnerAppsService {
  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly requestId = '',
  ) {}

  /** Logged with the change, in the same flush (never the secret). */
  private audit(app: PartnerApp, change: string): void {
    recordAdminChange(this.em, this.actor, this.requestId, {
      target: `partner_app:${app.id}`,
      detail: { change, name: app.name, role: app.role, purposes: app.purposes },
      municipalityId: app.municipality.id,
    });
  }

  private tenantFilter() {
    return this.actor.municipalityId ? { municipality: this.actor.municipalityId } : {};
  }


  async register(input: RegisterPartnerApp): Promise<PartnerAppWithSecret> {
    const municipality = await actorMunicipality(this.em, this.actor, input.municipalityCode, 'input.municipalityCode');
    const clientSecret = generateClientSecret();
    const app = this.em.create(PartnerApp, {
      municipality,
      name: input.name,
      role: input.role,
      clientId: generateClientId(),
      secretHash: await hashClientSecret(clientSecret),
      purposes: [...new Set(input.purposes)],
      active: true,
    });
    this.audit(app, 'register');
    await this.em.flush();
    return { app, clientSecret };
  }

  /** In registration order, keyset-paged on (created_at, id). */
  async list(q: { municipalityCode?: string; first: number; afterId?: string }): Promise<PartnerApp[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (this.actor.municipalityId) (where.push('a.municipality_id = ?'), params.push(this.actor.municipalityId));
    if (q.municipalityCode) {
      const m = await actorMunicipality(this.em, this.actor, q.municipalityCode, 'municipalityCode');
      (where.push('a.municipality_id = ?'), params.push(m.id));
    }
    if (q.afterId) {
      where.push('(a.created_at, a.id) > (select b.created_at, b.id from partner_app b where b.id = ?)');
      params.push(q.afterId);
    }
    const { rows } = await rawQuery<{ id: string }>(
      this.em,
      `select a.id from partner_app a ${where.length ? `where ${where.join(' and ')}` : ''} order by a.created_at, a.id limit ?`,
      [...params, q.first + 1],
    );
    if (!rows.length) return [];
    const apps = await this.em.find(PartnerApp, { id: { $in: rows.map((r) => r.id) } }, { populate: ['municipality'] });
    const byId = new Map(apps.map((a) => [a.id, a]));
    return rows.map((r) => byId.get(r.id)!).filter(Boolean);
  }

  async get(id: string): Promise<PartnerApp> {
    const app = await this.em.findOne(PartnerApp, { id, ...this.tenantFilter() }, { populate: ['municipality'] });
    if (!app) throw HubError.notFound('partner app');
    return app;
  }

  /** Idempotent. Tokens already issued stop working on their next request (authenticate reads `active`). */
  async deactivate(id: string): Promise<PartnerApp> {
    if (this.actor.partnerAppId === id) throw HubError.badInput('id', 'an app cannot deactivate itself');
    const app = await this.get(id);
    app.active = false;
    this.audit(app, 'deactivate');
    await this.em.flush();
    return app;
  }

  /** A new secret, shown once; the old one stops working at once, and so do tokens issued with it. */
  async rotateSecret(id: string): Promise<PartnerAppWithSecret> {
    const app = await this.get(id);
    if (!app.active) throw HubError.badInput('id', 'partner app is deactivated');
    const clientSecret = generateClientSecret();
    app.secretHash = await hashClientSecret(clientSecret);
    this.audit(app, 'rotate_secret');
    await this.em.flush();
    return { app, clientSecret };
  }
}
