import { print } from 'graphql';
import { ChildViewDocument, ChildrenPageDocument } from '../../schema/client/graphql';
import { QUERY_LIMITS } from '../../src/platform/graphql/armor';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { openRuntime, type Runtime } from '../../src/platform/runtime';
import { post } from '../support/graphql-client';
import { basicAuth, fetchToken, registerPartner } from '../support/partners';
import { createTestDatabase, testConfig } from '../support/test-runtime';

const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;
const limit = (res: { errors?: { extensions?: object }[] }) => (res.errors?.[0]?.extensions as { limit?: string } | undefined)?.limit;

describe('abuse limits', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let rt: Runtime;
  let http: HttpServer;
  const auth: Record<string, string> = {};

  /** A production-mode server (introspection and suggestions off) with a small rate limit. */
  beforeAll(async () => {
    db = await createTestDatabase();
    const signingKey = (await import('node:crypto')).generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    rt = await openRuntime(testConfig({ DATABASE_URL: db.url, NODE_ENV: 'production', TOKEN_SIGNING_KEY: signingKey, RATE_LIMIT_PER_MINUTE: '40', TOKEN_RATE_LIMIT_PER_MINUTE: '5', LOG_LEVEL: 'silent' }));
    http = await startHttpServer(rt);
    const app = await registerPartner(rt, { municipalityCode: '167', municipalityName: 'Hvidovre', role: 'school', purposes: ['school_support'] });
    auth.authorization = `Bearer ${await fetchToken(http.url, app.clientId, app.clientSecret)}`;
  });

  afterAll(async () => {
    await http?.close();
    await rt?.close();
    await db?.drop();
  });

  const send = (query: string, variables: Record<string, unknown> = {}) => post(http.url, { query, variables }, auth);

  it('lets the partner operations through', async () => {
    expect((await send(print(ChildViewDocument), { id: '00000000-0000-4000-8000-000000000000' })).errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect((await send(print(ChildrenPageDocument), { first: 100 })).errors).toBeUndefined();
  });

  it('rejects deep, aliased, directive-heavy and costly queries with stable codes', async () => {
    // The schema is not recursive, so depth is probed with nesting the validator also rejects;
    // the depth rule must still report its own error beside the unknown-field ones.
    let deep = 'id';
    for (let i = 0; i < QUERY_LIMITS.maxDepth; i++) deep = `n${i} { ${deep} }`;
    const limits = (res: { errors?: { extensions?: { code?: string } }[] }) => (res.errors ?? []).map((e) => (e.extensions as { limit?: string }).limit);
    const depth = await send(`{ children(first: 1) { edges { node { ${deep} } } } }`);
    expect(code(depth)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(limits(depth)).toContain('max_depth');
    // The published bypass: a fragment named like introspection must still count.
    const fragmentBypass = await send(`{ ...__schema } fragment __schema on Query { children(first: 1) { edges { node { ${deep} } } } }`);
    expect(limits(fragmentBypass)).toContain('max_depth');

    const aliases = await send(`{ ${Array.from({ length: QUERY_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: child(id: "00000000-0000-4000-8000-000000000000") { id }`).join(' ')} }`);
    expect([code(aliases), limit(aliases)]).toEqual(['GRAPHQL_VALIDATION_FAILED', 'max_aliases']);

    const directives = await send(`{ __typename ${'@include(if: true) '.repeat(QUERY_LIMITS.maxDirectives + 1)} }`);
    expect([code(directives), limit(directives)]).toEqual(['GRAPHQL_VALIDATION_FAILED', 'max_directives']);

    const node = 'id firstName lastName birthDate placements { type placeName legalBasis startDate endDate current } grades { subject kind value display gradeDate schoolYear } attendanceSummaries { periodStart periodEnd schoolDays absencePercent unauthorisedPercent } enrollments { gradeLevel className school { name institutionNumber } }';
    const costly = await send(`{ ${Array.from({ length: 12 }, (_, i) => `c${i}: children(first: 100) { edges { node { ${node} } } }`).join(' ')} }`);
    expect([code(costly), limit(costly)]).toEqual(['GRAPHQL_VALIDATION_FAILED', 'cost_limit']);
  });

  it('refuses oversized token counts, batches and bodies', async () => {
    const tokens = await send(`{ ${'__typename '.repeat(QUERY_LIMITS.maxTokens + 10)}}`);
    expect(code(tokens)).toBe('GRAPHQL_PARSE_FAILED');

    const batch = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(batch.status).toBe(400);

    const huge = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const broken = await fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"query": ' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('hides the schema in production: no introspection, no field suggestions', async () => {
    const introspection = await send('{ __schema { queryType { name } } }');
    expect(code(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await send('{ chidren(first: 1) { edges { node { id } } } }');
    expect(code(typo)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(typo.errors)).not.toMatch(/Did you mean/i);
    const landing = await fetch(http.url, { headers: { accept: 'text/html' } });
    expect(await landing.text()).not.toMatch(/<html|sandbox/i);
  });

  it('rate-limits each partner app and the token endpoint', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 45 && last?.status !== 429; i++) {
      last = await fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: '{ __typename }' }) });
    }
    expect(last!.status).toBe(429);
    expect(((await last!.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('RATE_LIMITED');

    let token: Response | undefined;
    for (let i = 0; i < 10 && token?.status !== 429; i++) {
      token = await fetch(new URL('/oauth/token', http.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('nobody', 'wrong') },
        body: 'grant_type=client_credentials',
      });
    }
    expect(token!.status).toBe(429);
  });
});
