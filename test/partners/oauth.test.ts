import Fastify, { type FastifyInstance } from 'fastify';
import { jose } from '../../src/partners/jose';
import { LOCAL_OPERATOR } from '../../src/partners/actor';
import { registerOAuthRoutes } from '../../src/partners/oauth.routes';
import { PartnerAppsService } from '../../src/partners/partner-apps.service';
import { PartnerRole } from '../../src/partners/partner-role';
import { TokenService } from '../../src/partners/tokens';
import { rawQuery } from '../../src/platform/db/bulk';
import { basicAuth, fetchToken, registerPartner, type RegisteredPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

describe('POST /oauth/token (client credentials) and the JWKS', () => {
  let rt: TestRuntime;
  let app: FastifyInstance;
  let base: string;
  let tokens: TokenService;
  let school: RegisteredPartner;

  beforeAll(async () => {
    rt = await createTestRuntime();
    tokens = await TokenService.fromConfig(rt.config);
    app = Fastify();
    await registerOAuthRoutes(app, { em: rt.orm.em, tokens });
    // A JSON route beside the plugin, as /graphql is: the plugin's form parser must not reach it.
    app.post('/json', async (request) => ({ got: request.body }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    school = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.School, purposes: ['school_support', 'evaluation'] });
  });

  afterAll(async () => {
    await app?.close();
    await rt?.dispose();
  });

  const token = (body: string | Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }));

  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

  it('registers an app with its secret shown once and stored only as a hash', async () => {
    const { rows } = await rawQuery<Record<string, unknown>>(rt.orm.em.fork(), `select * from partner_app where id = ?`, [school.appId]);
    const stored = JSON.stringify(rows[0]);
    expect(rows[0]).toMatchObject({ client_id: school.clientId, role: 'school', active: true, purposes: ['school_support', 'evaluation'] });
    expect(String(rows[0].secret_hash)).toMatch(/^scrypt\$/);
    expect(stored).not.toContain(school.clientSecret);
    expect(stored).not.toContain(school.clientSecret.slice(4));
    // Read back through the service: no secret, no hash.
    const listed = await new PartnerAppsService(rt.orm.em.fork(), LOCAL_OPERATOR).get(school.appId);
    expect(listed.secretHash).toBe(rows[0].secret_hash);
  });

  it('issues a short-lived signed token whose claims check out against the JWKS fetched over HTTP', async () => {
    const res = await token(form({ grant_type: 'client_credentials' }), { authorization: basicAuth(school.clientId, school.clientSecret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600, scope: 'school_support evaluation' });

    const jwksRes = await fetch(`${base}/.well-known/jwks.json`);
    expect(jwksRes.status).toBe(200);
    expect(jwksRes.headers.get('content-type')).toMatch(/^application\/json/);
    const jwks = (await jwksRes.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');

    // The way a partner or another service would check it: remote JWKS, issuer, audience.
    const { payload, protectedHeader } = await jose.jwtVerify(String(res.body.access_token), jose.createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), {
      issuer: 'skolebro',
      audience: 'skolebro-api',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.keys[0].kid });
    expect(payload).toMatchObject({
      sub: school.clientId,
      client_id: school.clientId,
      partner_app_id: school.appId,
      municipality_id: school.municipalityId,
      role: 'school',
      scope: 'school_support evaluation',
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(10);
    expect(typeof payload.jti).toBe('string');
  });

  it('accepts the client in the form body or as JSON, with the same result', async () => {
    const viaBody = await token(form({ grant_type: 'client_credentials', client_id: school.clientId, client_secret: school.clientSecret }));
    expect(viaBody.status).toBe(200);
    const viaJson = await token({ grant_type: 'client_credentials', client_id: school.clientId, client_secret: school.clientSecret, scope: 'evaluation' });
    expect(viaJson).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'evaluation' } });
    // Basic with the client id repeated in the body is fine; a second secret is not.
    const repeatedId = await token(form({ grant_type: 'client_credentials', client_id: school.clientId }), { authorization: basicAuth(school.clientId, school.clientSecret) });
    expect(repeatedId.status).toBe(200);
    const twoMethods = await token(form({ grant_type: 'client_credentials', client_id: school.clientId, client_secret: school.clientSecret }), {
      authorization: basicAuth(school.clientId, school.clientSecret),
    });
    expect(twoMethods).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('narrows the token to the requested scope and refuses purposes the app does not have', async () => {
    const auth = { authorization: basicAuth(school.clientId, school.clientSecret) };
    const narrowed = await token(form({ grant_type: 'client_credentials', scope: 'evaluation' }), auth);
    expect(narrowed.body.scope).toBe('evaluation');
    expect(jose.decodeJwt(String(narrowed.body.access_token)).scope).toBe('evaluation');
    const both = await token(form({ grant_type: 'client_credentials', scope: 'evaluation  school_support evaluation' }), auth);
    expect(both.body.scope).toBe('evaluation school_support');

    for (const scope of ['case_work', 'evaluation case_work', 'EVALUATION', 'openid']) {
      const res = await token(form({ grant_type: 'client_credentials', scope }), auth);
      expect({ scope, status: res.status, error: res.body.error }).toEqual({ scope, status: 400, error: 'invalid_scope' });
      expect(res.body).not.toHaveProperty('access_token');
    }
  });

  it('answers 401 invalid_client for a wrong secret, an unknown client, an inactive app or no credentials', async () => {
    const inactive = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Evaluator, purposes: ['evaluation'] });
    await new PartnerAppsService(rt.orm.em.fork(), LOCAL_OPERATOR).deactivate(inactive.appId);
    const grant = form({ grant_type: 'client_credentials' });
    const attempts: [string, Record<string, string>, string][] = [
      ['wrong secret', { authorization: basicAuth(school.clientId, school.clientSecret + 'x') }, grant],
      ['other app secret', { authorization: basicAuth(school.clientId, inactive.clientSecret) }, grant],
      ['unknown client', { authorization: basicAuth('sb_nobody', school.clientSecret) }, grant],
      ['inactive app', { authorization: basicAuth(inactive.clientId, inactive.clientSecret) }, grant],
      ['no credentials', {}, grant],
      ['id without secret', {}, form({ grant_type: 'client_credentials', client_id: school.clientId })],
      ['wrong secret in body', {}, form({ grant_type: 'client_credentials', client_id: school.clientId, client_secret: 'nope' })],
      ['bearer instead of basic', { authorization: 'Bearer abc' }, grant],
      ['basic without colon', { authorization: `Basic ${Buffer.from(school.clientId).toString('base64')}` }, grant],
    ];
    for (const [what, headers, body] of attempts) {
      const res = await token(body, headers);
      expect({ what, status: res.status, body: res.body }).toEqual({
        what,
        status: 401,
        body: { error: 'invalid_client', error_description: 'client authentication failed' },
      });
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="skolebro"');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('supports only the client credentials grant and well-formed requests', async () => {
    const auth = { authorization: basicAuth(school.clientId, school.clientSecret) };
    const cases: [string, string | Record<string, unknown>, number, string][] = [
      ['password grant', form({ grant_type: 'password', username: 'a', password: 'b' }), 400, 'unsupported_grant_type'],
      ['authorization code grant', form({ grant_type: 'authorization_code', code: 'x' }), 400, 'unsupported_grant_type'],
      ['no grant type', form({ scope: 'evaluation' }), 400, 'invalid_request'],
      ['repeated parameter', 'grant_type=client_credentials&grant_type=client_credentials', 400, 'invalid_request'],
      ['non-string parameter', { grant_type: ['client_credentials'] }, 400, 'invalid_request'],
      ['malformed JSON', '{', 400, 'invalid_request'],
    ];
    for (const [what, body, status, error] of cases) {
      const res =
        what === 'malformed JSON' ? await token(body as string, { ...auth, 'content-type': 'application/json' }) : await token(body, auth);
      expect({ what, status: res.status, error: res.body.error }).toEqual({ what, status, error });
    }
    const xml = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { ...auth, 'content-type': 'application/xml' }, body: '<a/>' });
    expect(xml.status).toBe(400);
    expect(await xml.json()).toMatchObject({ error: 'invalid_request' });
    const huge = await token(form({ grant_type: 'client_credentials', scope: 'a'.repeat(20_000) }), auth);
    expect(huge).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('keeps its form parser to itself: the JSON route beside it still refuses form bodies', async () => {
    const json = await fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await json.json()).toEqual({ got: { a: 1 } });
    const formPost = await fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(formPost.status).toBe(415);
  });

  it('runs the hooks it is given first (a rate limit) and answers their 429 in OAuth terms', async () => {
    const limited = Fastify();
    let calls = 0;
    await registerOAuthRoutes(limited, {
      em: rt.orm.em,
      tokens,
      onRequest: [
        async (_request, reply) => {
          if (++calls < 2) return;
          reply.header('retry-after', '7');
          throw Object.assign(new Error('rate limited'), { statusCode: 429 });
        },
      ],
    });
    const url = await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      await expect(fetchToken(url, school.clientId, school.clientSecret)).resolves.toEqual(expect.any(String));
      const res = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(school.clientId, school.clientSecret) },
        body: form({ grant_type: 'client_credentials' }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'too many token requests; retry later' });
      expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('works with the fetchToken helper other tests use', async () => {
    const t = await fetchToken(`${base}/graphql`, school.clientId, school.clientSecret, 'school_support');
    expect(jose.decodeJwt(t)).toMatchObject({ scope: 'school_support', sub: school.clientId });
    await expect(fetchToken(base, school.clientId, 'wrong')).rejects.toThrow(/401: invalid_client/);
  });

  it('never logs the secret or the token', async () => {
    const lines: string[] = [];
    const logged = Fastify({ logger: { level: 'trace', stream: { write: (l: string) => void lines.push(l) } } });
    await registerOAuthRoutes(logged, { em: rt.orm.em, tokens });
    const url = await logged.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(school.clientId, school.clientSecret) },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(res.status).toBe(200);
    const accessToken = ((await res.json()) as { access_token: string }).access_token;
    await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: school.clientId, client_secret: school.clientSecret + 'x' }),
    });
    await logged.close();
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(all).not.toContain(school.clientSecret);
    expect(all).not.toContain(accessToken);
    expect(all).not.toContain(Buffer.from(`${school.clientId}:${school.clientSecret}`).toString('base64'));
  });
});
