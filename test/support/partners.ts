import { LOCAL_OPERATOR } from '../../src/partners/actor';
import { PartnerAppsService } from '../../src/partners/partner-apps.service';
import type { PartnerRole } from '../../src/partners/partner-role';
import { rawQuery } from '../../src/platform/db/bulk';
import type { Runtime } from '../../src/platform/runtime';

export interface RegisteredPartner {
  appId: string;
  clientId: string;
  clientSecret: string;
  municipalityId: string;
}

/** The municipality's id, creating the row if it is missing. */
export async function ensureMunicipality(rt: Pick<Runtime, 'orm'>, code: string, name = `Kommune ${code}`): Promise<string> {
  const { rows } = await rawQuery<{ id: string }>(
    rt.orm.em.fork(),
    `insert into municipality (code, name) values (?, ?) on conflict (code) do update set code = excluded.code returning id`,
    [code, name],
  );
  return rows[0].id;
}

/** Registers a partner app through the admin service as the local operator; the secret is returned once, as in production. */
export async function registerPartner(
  rt: Pick<Runtime, 'orm'>,
  opts: { municipalityCode: string; municipalityName?: string; role: PartnerRole | `${PartnerRole}`; purposes: string[]; name?: string },
): Promise<RegisteredPartner> {
  const municipalityId = await ensureMunicipality(rt, opts.municipalityCode, opts.municipalityName);
  const { app, clientSecret } = await new PartnerAppsService(rt.orm.em.fork(), LOCAL_OPERATOR).register({
    name: opts.name ?? `Test ${opts.role} app`,
    municipalityCode: opts.municipalityCode,
    role: opts.role as PartnerRole,
    purposes: opts.purposes,
  });
  return { appId: app.id, clientId: app.clientId, clientSecret, municipalityId };
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

/**
 * An access token from POST /oauth/token over real HTTP (form body, HTTP Basic). `baseUrl` is
 * the server's origin; any path on it (e.g. the /graphql URL) is ignored.
 */
export async function fetchToken(baseUrl: string, clientId: string, clientSecret: string, scope?: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope !== undefined) form.set('scope', scope);
  const res = await fetch(new URL('/oauth/token', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, clientSecret) },
    body: form.toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (res.status !== 200 || !body.access_token) {
    throw new Error(`POST /oauth/token answered ${res.status}: ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  }
  return body.access_token;
}
