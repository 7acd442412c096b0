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
    // The same query with the page size in a variable costs the same: rejected once it is known.
    const viaVariable = await send(
      `query($n: Int!) { ${Array.from({ length: 12 }, (_, i) => `c${i}: children(first: $n) { edges { node { ${node} } } }`).join(' ')} }`,
      { n: 100 },
    );
    expect([code(viaVariable), limit(viaVariable)]).toEqual(['GRAPHQL_VALIDATION_FAILED', 'cost_limit']);
    // A small page of the same shape is fine.
    const small = await send(`query($n: Int!) { c0: children(first: $n) { edges { node { ${node} } } } }`, { n: 5 });
    expect(small.errors).toBeUndefined();
  });

  it('counts a fragment wherever it is spread: cached, reused or split fragments cannot hide depth or cost (GHSA-224p-v68g-5g8f)', async () => {
    const limits = (res: { errors?: { extensions?: object }[] }) => (res.errors ?? []).map((e) => (e.extensions as { limit?: string }).limit);
    const child = 'child(id: "00000000-0000-4000-8000-000000000000")';
    // Fragment D is maxDepth - 2 deep: within the limit under `child` (1 level), beyond it under
    // `children.edges.node` (3 levels). A depth cached from the first spread must not be reused as is.
    let deep = 'id';
    for (let i = 0; i < QUERY_LIMITS.maxDepth - 3; i++) deep = `n${i} { ${deep} }`;
    const fragment = `fragment D on Child { ${deep} }`;
    expect(limits(await send(`{ a: ${child} { ...D } } ${fragment}`))).not.toContain('max_depth');
    const cached = await send(`{ a: ${child} { ...D } children(first: 1) { edges { node { ...D } } } } ${fragment}`);
    expect(code(cached)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(limits(cached)).toContain('max_depth');

    // The same depth split across a chain of fragments.
    const split = await send(
      `{ children(first: 1) { ...A } } fragment A on ChildConnection { edges { ...B } } fragment B on ChildEdge { node { ...D } } ${fragment}`,
    );
    expect(limits(split)).toContain('max_depth');

    // One fragment spread in many places costs each time, like the inline query rejected above.
    const node = 'id firstName lastName birthDate placements { type placeName legalBasis startDate endDate current } grades { subject kind value display gradeDate schoolYear } attendanceSummaries { periodStart periodEnd schoolDays absencePercent unauthorisedPercent } enrollments { gradeLevel className school { name institutionNumber } }';
    const spreads = Array.from({ length: 12 }, (_, i) => `c${i}: children(first: 100) { edges { node { ...N } } }`).join(' ');
    const reused = await send(`{ ${spreads} } fragment N on Child { ${node} }`);
    expect([code(reused), limit(reused)]).toEqual(['GRAPHQL_VALIDATION_FAILED', 'cost_limit']);
    expect(reused.errors).toHaveLength(1);
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
    const put = await fetch(http.url, { method: 'PUT', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(put.status).toBe(405);
    expect(((await put.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_REQUEST');
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

  it('answers a failure outside GraphQL (Redis down under the rate limiter) with INTERNAL_SERVER_ERROR and no detail', async () => {
    rt.redis.disconnect();
    const res = await fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query: '{ __typename }' }) });
    await rt.redis.connect();
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
});
