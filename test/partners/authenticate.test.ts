import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CryptoKey, JWK } from 'jose' with { 'resolution-mode': 'import' };
import { LOCAL_OPERATOR, type Actor } from '../../src/partners/actor';
import { createAuthenticator, PURPOSE_HEADER, type Authenticate, type AuthHeaders } from '../../src/partners/authenticate';
import { jose } from '../../src/partners/jose';
import { registerOAuthRoutes } from '../../src/partners/oauth.routes';
import { createPartnerAuth } from '../../src/partners/partner-auth';
import { PartnerAppsService } from '../../src/partners/partner-apps.service';
import { PartnerRole } from '../../src/partners/partner-role';
import { credentialVersion, TokenService } from '../../src/partners/tokens';
import { PartnerApp } from '../../src/partners/partner-app.entity';
import type { HubError } from '../../src/platform/graphql/errors';
import { fetchToken, registerPartner, type RegisteredPartner } from '../support/partners';
import { createTestRuntime, testConfig, type TestRuntime } from '../support/test-runtime';
import { ed25519Pem, hubClaims, nowSeconds, p256Pem, signWith, unsigned } from './token-helpers';

const OIDC_ISSUER = 'https://idp.example.test/realms/kommune';

/** A stand-in for an external identity provider: its JWKS on a loopback HTTP server. */
async function startJwksServer(jwks: () => object): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, server, hits: () => hits };
}

describe('authenticate: bearer token → actor', () => {
  let rt: TestRuntime;
  let pem: string;
  let tokens: TokenService;
  let authenticate: Authenticate;
  let app: FastifyInstance;
  let base: string;
  let school: RegisteredPartner;
  let idp: { privateKey: CryptoKey; publicJwk: JWK; url: string; server: Server; hits: () => number };

  beforeAll(async () => {
    rt = await createTestRuntime();
    // The external IdP's key pair and JWKS server, before the token service that trusts it.
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    const publicJwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'idp-key-1', alg: 'ES256', use: 'sig' };
    const server = await startJwksServer(() => ({ keys: [publicJwk] }));
    idp = { privateKey: pair.privateKey as CryptoKey, publicJwk, ...server };

    pem = ed25519Pem().pem;
    const config = testConfig({ DATABASE_URL: rt.config.DATABASE_URL, TOKEN_SIGNING_KEY: pem, OIDC_ISSUER, OIDC_JWKS_URL: idp.url });
    tokens = await TokenService.fromConfig(config);
    authenticate = createAuthenticator({ em: rt.orm.em, tokens });
    app = Fastify();
    await registerOAuthRoutes(app, { em: rt.orm.em, tokens });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    school = await registerPartner(rt, { municipalityCode: '167', municipalityName: 'Hvidovre', role: PartnerRole.School, purposes: ['school_support', 'evaluation'] });
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((r) => idp?.server.close(r));
    await rt?.dispose();
  });

  const bearer = (token: string, purpose?: string): AuthHeaders => ({ authorization: `Bearer ${token}`, ...(purpose !== undefined ? { purpose } : {}) });

  async function refused(headers: AuthHeaders): Promise<HubError> {
    const err = await authenticate(headers).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    return err as HubError;
  }

  async function expectUnauthenticated(what: string, headers: AuthHeaders): Promise<HubError> {
    const err = await refused(headers);
    expect({ what, code: err.extensions?.code }).toEqual({ what, code: 'UNAUTHENTICATED' });
    expect((err.extensions.http as { status: number }).status).toBe(401);
    return err;
  }

  /** A correctly signed token for the school app, with claims overridden. */
  const crafted = (over: Record<string, unknown> = {}) =>
    signWith(
      pem,
      hubClaims({
        sub: school.clientId,
        client_id: school.clientId,
        partner_app_id: school.appId,
        municipality_id: school.municipalityId,
        scope: 'school_support evaluation',
        cred: credentialVersion(String(schoolRowHash)),
        ...over,
      }),
      { kid: tokens.keyId },
    );
  let schoolRowHash = '';

  it('turns a token from /oauth/token into the actor of the app, bound to its municipality', async () => {
    const token = await fetchToken(base, school.clientId, school.clientSecret);
    const actor = await authenticate(bearer(token));
    expect(actor).toEqual<Actor>({
      role: PartnerRole.School,
      partnerAppId: school.appId,
      clientId: school.clientId,
      municipalityId: school.municipalityId,
      purposes: ['school_support', 'evaluation'],
      purpose: null, // several purposes and no header: the consent layer asks the client to choose
    });
    // The scheme is case-insensitive (RFC 7235).
    await expect(authenticate({ authorization: `bearer ${token}` })).resolves.toMatchObject({ partnerAppId: school.appId });
    schoolRowHash = (await rt.orm.em.fork().findOneOrFail(PartnerApp, { id: school.appId })).secretHash;
    await expect(authenticate(bearer(await crafted()))).resolves.toMatchObject({ partnerAppId: school.appId });
  });

  it('picks the request purpose from the header, or the only purpose of the token', async () => {
    const token = await fetchToken(base, school.clientId, school.clientSecret);
    await expect(authenticate(bearer(token, 'evaluation'))).resolves.toMatchObject({ purposes: ['school_support', 'evaluation'], purpose: 'evaluation' });
    await expect(authenticate(bearer(token, ''))).resolves.toMatchObject({ purpose: null });

    const narrowed = await fetchToken(base, school.clientId, school.clientSecret, 'school_support');
    await expect(authenticate(bearer(narrowed))).resolves.toMatchObject({ purposes: ['school_support'], purpose: 'school_support' });

    for (const [t, purpose] of [
      [narrowed, 'evaluation'],
      [token, 'case_work'],
      [token, 'school_support, evaluation'],
      [token, 'EVALUATION'],
    ] as const) {
      const err = await refused(bearer(t, purpose));
      expect({ purpose, code: err.extensions.code }).toEqual({ purpose, code: 'FORBIDDEN' });
      expect((err.extensions.http as { status: number }).status).toBe(403);
    }
    expect(PURPOSE_HEADER).toBe('x-skolebro-purpose');
  });

  it('refuses missing, malformed, garbage, expired, forged and unsigned tokens with UNAUTHENTICATED', async () => {
    const missing = await expectUnauthenticated('missing', {});
    expect((missing.extensions.http as { headers: Map<string, string> }).headers.get('www-authenticate')).toBe('Bearer realm="skolebro"');
    await expectUnauthenticated('empty', { authorization: '' });
    await expectUnauthenticated('basic scheme', { authorization: `Basic ${Buffer.from(`${school.clientId}:${school.clientSecret}`).toString('base64')}` });
    await expectUnauthenticated('no token', { authorization: 'Bearer ' });
    await expectUnauthenticated('two tokens', { authorization: 'Bearer a.b.c d.e.f' });
    await expectUnauthenticated('garbage', bearer('garbage'));
    await expectUnauthenticated('garbage jwt', bearer('eyJ.eyJ.sig'));

    const now = nowSeconds();
    const expired = await expectUnauthenticated('expired', bearer(await crafted({ iat: now - 900, exp: now - 60 })));
    expect(expired.message).toBe('access token expired');
    const challenge = (expired.extensions.http as { headers: Map<string, string> }).headers.get('www-authenticate');
    expect(challenge).toBe('Bearer realm="skolebro", error="invalid_token", error_description="access token expired"');

    const good = hubClaims({ sub: school.clientId, client_id: school.clientId, partner_app_id: school.appId, municipality_id: school.municipalityId });
    await expectUnauthenticated('forged with another key and our kid', bearer(await signWith(ed25519Pem().pem, good, { kid: tokens.keyId })));
    await expectUnauthenticated('forged with a P-256 key', bearer(await signWith(p256Pem().pem, good, { kid: tokens.keyId })));
    await expectUnauthenticated('alg none', bearer(unsigned(good, tokens.keyId)));
    await expectUnauthenticated('tampered payload', bearer((await crafted()).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...good, role: 'admin' })).toString('base64url')}.`)));
    await expectUnauthenticated('wrong audience', bearer(await crafted({ aud: 'another-api' })));
    await expectUnauthenticated('wrong issuer', bearer(await crafted({ iss: 'someone-else' })));
    await expectUnauthenticated('other hub process', bearer((await (await TokenService.fromConfig(testConfig())).issue({
      partnerAppId: school.appId,
      clientId: school.clientId,
      municipalityId: school.municipalityId,
      role: PartnerRole.School,
      purposes: ['school_support'],
      credential: credentialVersion(schoolRowHash),
    })).accessToken));
  });

  it('binds a token to its municipality, client, role and current secret', async () => {
    const other = await registerPartner(rt, { municipalityCode: '479', municipalityName: 'Svendborg', role: PartnerRole.School, purposes: ['school_support'] });
    await expectUnauthenticated('municipality mismatch', bearer(await crafted({ municipality_id: other.municipalityId })));
    await expectUnauthenticated('client mismatch', bearer(await crafted({ sub: other.clientId, client_id: other.clientId })));
    await expectUnauthenticated('role mismatch', bearer(await crafted({ role: 'admin' })));
    await expectUnauthenticated('unknown app', bearer(await crafted({ partner_app_id: '00000000-0000-4000-8000-000000000000' })));
    await expectUnauthenticated('non-uuid app', bearer(await crafted({ partner_app_id: 'x' })));
    // Purposes the app never had are dropped; none left = no access.
    await expect(authenticate(bearer(await crafted({ scope: 'school_support case_work' })))).resolves.toMatchObject({ purposes: ['school_support'] });
    await expectUnauthenticated('only foreign purposes', bearer(await crafted({ scope: 'case_work' })));
  });

  it('stops accepting tokens of an app deactivated or re-keyed after they were issued', async () => {
    const caseworker = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Caseworker, purposes: ['case_work'] });
    const admin = new PartnerAppsService(rt.orm.em.fork(), LOCAL_OPERATOR);

    const beforeRotation = await fetchToken(base, caseworker.clientId, caseworker.clientSecret);
    await expect(authenticate(bearer(beforeRotation))).resolves.toMatchObject({ purpose: 'case_work' });
    const { clientSecret: rotated } = await admin.rotateSecret(caseworker.appId);
    await expectUnauthenticated('token from before the rotation', bearer(beforeRotation));
    await expect(fetchToken(base, caseworker.clientId, caseworker.clientSecret)).rejects.toThrow(/invalid_client/);

    const afterRotation = await fetchToken(base, caseworker.clientId, rotated);
    await expect(authenticate(bearer(afterRotation))).resolves.toMatchObject({ partnerAppId: caseworker.appId });
    await admin.deactivate(caseworker.appId);
    const err = await expectUnauthenticated('deactivated after issuance', bearer(afterRotation));
    expect(err.message).toBe('the partner app is not active');
    await expect(fetchToken(base, caseworker.clientId, rotated)).rejects.toThrow(/invalid_client/);
  });

  it('loads the app with one primary-key query per request', async () => {
    const queries: string[] = [];
    const counting = await createTestRuntime({ orm: { debug: ['query'], logger: (m: string) => queries.push(m) } });
    try {
      const app2 = await registerPartner(counting, { municipalityCode: '167', role: PartnerRole.Evaluator, purposes: ['evaluation'] });
      const auth2 = createAuthenticator({ em: counting.orm.em, tokens });
      const row = await counting.orm.em.fork().findOneOrFail(PartnerApp, { id: app2.appId });
      const token = (await tokens.issue({
        partnerAppId: app2.appId,
        clientId: app2.clientId,
        municipalityId: app2.municipalityId,
        role: PartnerRole.Evaluator,
        purposes: ['evaluation'],
        credential: credentialVersion(row.secretHash),
      })).accessToken;
      queries.length = 0;
      await expect(auth2(bearer(token))).resolves.toMatchObject({ purpose: 'evaluation' });
      const selects = queries.filter((q) => /select/i.test(q));
      expect(selects).toHaveLength(1);
      expect(selects[0]).toMatch(/from "?partner_app"?/);
    } finally {
      await counting.dispose();
    }
  });

  describe('tokens of an external OIDC issuer', () => {
    const external = (claims: Record<string, unknown>, key: CryptoKey = idp.privateKey, kid = 'idp-key-1') =>
      new jose.SignJWT({ aud: 'skolebro-api', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(OIDC_ISSUER)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);

    it('are verified against the JWKS URL; role, municipality and purposes come from our partner_app row', async () => {
      const evaluator = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Evaluator, purposes: ['evaluation', 'research'] });
      const other = await registerPartner(rt, { municipalityCode: '479', role: PartnerRole.Admin, purposes: ['administration'] });
      // The IdP's claims about role and municipality are ignored; no scope claim = all the app's purposes.
      const token = await external({ azp: evaluator.clientId, sub: 'service-account-123', role: 'admin', municipality_id: other.municipalityId });
      await expect(authenticate(bearer(token))).resolves.toEqual<Actor>({
        role: PartnerRole.Evaluator,
        partnerAppId: evaluator.appId,
        clientId: evaluator.clientId,
        municipalityId: evaluator.municipalityId,
        purposes: ['evaluation', 'research'],
        purpose: null,
      });
      expect(idp.hits()).toBeGreaterThan(0);
      // client_id wins over azp and sub; scopes narrow the app's purposes, never widen them.
      const narrowed = await external({ client_id: evaluator.clientId, azp: other.clientId, scope: 'openid research administration' });
      await expect(authenticate(bearer(narrowed))).resolves.toMatchObject({ partnerAppId: evaluator.appId, purposes: ['research'], purpose: 'research' });
      await expect(authenticate(bearer(await external({ sub: evaluator.clientId }), 'evaluation'))).resolves.toMatchObject({ purpose: 'evaluation' });
      await expect(authenticate(bearer(await external({ azp: evaluator.clientId, scp: ['openid', 'evaluation'] })))).resolves.toMatchObject({ purposes: ['evaluation'] });
    });

    it('are refused when their scopes name none of the app\'s purposes, instead of getting all of them', async () => {
      const evaluator = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Evaluator, purposes: ['evaluation', 'research'] });
      for (const [what, claims] of [
        ['only openid scopes', { scope: 'openid profile' }],
        ['only foreign purposes', { scope: 'openid administration' }],
        ['scp array without purposes', { scp: ['openid'] }],
        ['empty scope', { scope: '' }],
      ] as const) {
        const err = await expectUnauthenticated(what, bearer(await external({ azp: evaluator.clientId, ...claims }), 'evaluation'));
        expect(err.message).toBe('the access token carries no purpose the partner app still has');
      }
    });

    it('must carry iat and are refused once older than OIDC_MAX_TOKEN_AGE_SECONDS, whatever their exp', async () => {
      const evaluator = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Evaluator, purposes: ['evaluation'] });
      expect(testConfig().OIDC_MAX_TOKEN_AGE_SECONDS).toBe(3600);
      const signed = (iat: number | undefined, exp: number) => {
        const jwt = new jose.SignJWT({ aud: 'skolebro-api', azp: evaluator.clientId }).setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1' }).setIssuer(OIDC_ISSUER).setExpirationTime(exp);
        return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign(idp.privateKey);
      };
      const now = nowSeconds();
      const noIat = await expectUnauthenticated('no iat', bearer(await signed(undefined, now + 300)));
      expect(noIat.message).toBe('access token claims not accepted');
      const old = await expectUnauthenticated('issued two hours ago, valid for a day', bearer(await signed(now - 7200, now + 86_400)));
      expect(old.message).toBe('access token expired');
      await expectUnauthenticated('issued in the future', bearer(await signed(now + 600, now + 900)));

      // A fresh long-lived token is accepted, but remembered only until it is too old.
      const fresh = await signed(now - 60, now + 86_400);
      await expect(authenticate(bearer(fresh))).resolves.toMatchObject({ partnerAppId: evaluator.appId });
      const verified = await tokens.verify(fresh);
      expect(verified.expiresAt.getTime()).toBeLessThanOrEqual((now - 60 + 3600 + 30) * 1000);
      const shortAge = await TokenService.fromConfig(testConfig({ OIDC_ISSUER, OIDC_JWKS_URL: idp.url, OIDC_MAX_TOKEN_AGE_SECONDS: '60' }));
      await expect(shortAge.verify(await signed(now - 300, now + 300))).rejects.toThrow('access token expired');
      expect(() => testConfig({ OIDC_MAX_TOKEN_AGE_SECONDS: '0' })).toThrow(/OIDC_MAX_TOKEN_AGE_SECONDS/);
    });

    it('are refused when unsigned by the IdP, expired, for another audience, or for no active registered app', async () => {
      const evaluator = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Evaluator, purposes: ['evaluation'] });
      const stranger = (await jose.generateKeyPair('ES256')).privateKey as CryptoKey;
      await expectUnauthenticated('unknown client', bearer(await external({ azp: 'sb_not_registered' })));
      await expectUnauthenticated('not signed by the IdP', bearer(await external({ azp: evaluator.clientId }, stranger)));
      await expectUnauthenticated('unknown kid', bearer(await external({ azp: evaluator.clientId }, stranger, 'other-kid')));
      await expectUnauthenticated('wrong audience', bearer(await external({ azp: evaluator.clientId, aud: 'account' })));
      const expired = await new jose.SignJWT({ aud: 'skolebro-api', azp: evaluator.clientId })
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1' })
        .setIssuer(OIDC_ISSUER)
        .setIssuedAt(nowSeconds() - 3600)
        .setExpirationTime(nowSeconds() - 600)
        .sign(idp.privateKey);
      await expectUnauthenticated('expired', bearer(expired));
      // An IdP token for our issuer name is still ours to sign: it cannot pass as a hub token.
      const posing = await new jose.SignJWT(hubClaims({ partner_app_id: evaluator.appId, sub: evaluator.clientId, client_id: evaluator.clientId, municipality_id: evaluator.municipalityId }))
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1', typ: 'at+jwt' })
        .sign(idp.privateKey);
      await expectUnauthenticated('IdP key posing as the hub', bearer(posing));
      await new PartnerAppsService(rt.orm.em.fork(), LOCAL_OPERATOR).deactivate(evaluator.appId);
      await expectUnauthenticated('deactivated app', bearer(await external({ azp: evaluator.clientId })));
    });
  });

  it('createPartnerAuth wires tokens, routes and authenticate from a runtime', async () => {
    const auth = await createPartnerAuth(rt);
    const server = Fastify();
    await auth.registerRoutes(server);
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const token = await fetchToken(url, school.clientId, school.clientSecret, 'evaluation');
      await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({ partnerAppId: school.appId, purpose: 'evaluation' });
      // Each process has its own key when none is configured: this token is not the other service's.
      await expectUnauthenticated('token of another key', bearer(token));
    } finally {
      await server.close();
    }
  });
});
