import { graphql, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker, LOCAL_OPERATOR, type Actor } from '../../src/partners/actor';
import { verifyClientSecret } from '../../src/partners/client-secret';
import { PartnerApp } from '../../src/partners/partner-app.entity';
import { PartnerAppsResolver } from '../../src/partners/partner-apps.resolver';
import { PartnerRole } from '../../src/partners/partner-role';
import { rawQuery } from '../../src/platform/db/bulk';
import { validateInput } from '../../src/platform/graphql/validation';
import { ensureMunicipality, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

const REGISTER = `mutation($input: RegisterPartnerAppInput!) {
  registerPartnerApp(input: $input) { clientId clientSecret partnerApp { id name municipalityCode role clientId purposes active createdAt } }
}`;
const LIST = `query($code: String, $first: Int, $after: String) {
  partnerApps(municipalityCode: $code, first: $first, after: $after) { edges { cursor node { id name municipalityCode role clientId purposes active } } pageInfo { hasNextPage endCursor } }
}`;
const ONE = `query($id: ID!) { partnerApp(id: $id) { id name } }`;
const DEACTIVATE = `mutation($id: ID!) { deactivatePartnerApp(id: $id) { id active } }`;
const ROTATE = `mutation($id: ID!) { rotatePartnerAppSecret(id: $id) { clientId clientSecret partnerApp { id active } } }`;

type Result = { data?: Record<string, any> | null; errors?: readonly { message: string; extensions: Record<string, any> }[] };

describe('admin API for partner apps (GraphQL execution)', () => {
  let rt: TestRuntime;
  let schema: GraphQLSchema;
  let hvidovre: string;
  let svendborg: string;
  let hvidovreAdmin: Actor;

  beforeAll(async () => {
    rt = await createTestRuntime();
    // Only this resolver: the HTTP wiring is tested where the server adds authentication.
    schema = await buildSchema({ resolvers: [PartnerAppsResolver], authChecker, validateFn: validateInput });
    hvidovre = await ensureMunicipality(rt, '167', 'Hvidovre');
    svendborg = await ensureMunicipality(rt, '479', 'Svendborg');
    const adminApp = await registerPartner(rt, { municipalityCode: '167', role: PartnerRole.Admin, purposes: ['administration'], name: 'Hvidovre admin' });
    hvidovreAdmin = {
      role: PartnerRole.Admin,
      partnerAppId: adminApp.appId,
      clientId: adminApp.clientId,
      municipalityId: hvidovre,
      purposes: ['administration'],
      purpose: 'administration',
    };
  });

  afterAll(async () => {
    await rt?.dispose();
  });

  const run = (actor: Actor | null, source: string, variableValues: Record<string, unknown> = {}) =>
    graphql({ schema, source, variableValues, contextValue: { em: rt.orm.em.fork(), actor, requestId: 'test' } }) as Promise<Result>;
  const input = (over: Record<string, unknown> = {}) => ({ name: 'Skolens app', municipalityCode: '167', role: 'SCHOOL', purposes: ['school_support'], ...over });
  const code = (r: Result) => r.errors?.[0]?.extensions.code;

  it('registers an app and shows its secret in that response only', async () => {
    const res = await run(LOCAL_OPERATOR, REGISTER, { input: input({ role: 'CHILDRENS_HOME', purposes: ['placement_care', 'school_support'] }) });
    expect(res.errors).toBeUndefined();
    const { clientId, clientSecret, partnerApp } = res.data!.registerPartnerApp;
    expect(clientId).toMatch(/^sb_/);
    expect(clientSecret).toMatch(/^sbs_.{43}$/);
    expect(partnerApp).toMatchObject({ clientId, name: 'Skolens app', municipalityCode: '167', role: 'CHILDRENS_HOME', purposes: ['placement_care', 'school_support'], active: true });

    // Stored: a hash that verifies the secret, never the secret.
    const { rows } = await rawQuery<Record<string, unknown>>(rt.orm.em.fork(), 'select * from partner_app where id = ?', [partnerApp.id]);
    expect(JSON.stringify(rows)).not.toContain(clientSecret);
    expect(await verifyClientSecret(clientSecret, String(rows[0].secret_hash))).toBe(true);

    // Nothing in the API can show it (or its hash) again.
    const fields = Object.keys((schema.getType('PartnerApp') as any).getFields());
    expect(fields.sort()).toEqual(['active', 'clientId', 'createdAt', 'id', 'municipalityCode', 'name', 'purposes', 'role']);
    const listed = JSON.stringify(await run(LOCAL_OPERATOR, LIST, { first: 100 }));
    expect(listed).toContain(clientId);
    expect(listed).not.toContain(clientSecret);
    expect(listed).not.toContain(String(rows[0].secret_hash));
  });

  it('validates the input field by field and saves nothing when it is invalid', async () => {
    const count = async () => (await rawQuery<{ n: string }>(rt.orm.em.fork(), 'select count(*) as n from partner_app', [])).rows[0].n;
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ purposes: [] }, 'input.purposes'],
      [{ purposes: ['School Support'] }, 'input.purposes'],
      [{ purposes: ['x'] }, 'input.purposes'],
      [{ purposes: ['a'.repeat(65)] }, 'input.purposes'],
      [{ purposes: ['evaluation', 'evaluation'] }, 'input.purposes'],
      [{ name: '' }, 'input.name'],
      [{ municipalityCode: '1670' }, 'input.municipalityCode'],
    ];
    for (const [over, path] of cases) {
      const res = await run(LOCAL_OPERATOR, REGISTER, { input: input(over) });
      expect({ over, code: code(res), paths: res.errors?.[0]?.extensions.fields?.map((f: { path: string }) => f.path) }).toEqual({
        over,
        code: 'BAD_USER_INPUT',
        paths: [path],
      });
      expect(JSON.stringify(res.errors)).not.toContain('School Support');
    }
    const unknown = await run(LOCAL_OPERATOR, REGISTER, { input: input({ municipalityCode: '999' }) });
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.municipalityCode' }, message: 'input.municipalityCode: unknown municipality' });
    expect(await count()).toBe(before);
  });

  it('keeps a municipal admin to its own municipality: the other one looks unknown', async () => {
    const foreign = await registerPartner(rt, { municipalityCode: '479', role: PartnerRole.School, purposes: ['school_support'], name: 'Svendborg skole' });
    const own = await run(hvidovreAdmin, REGISTER, { input: input({ name: 'Hvidovre skole' }) });
    expect(own.errors).toBeUndefined();
    expect(own.data!.registerPartnerApp.partnerApp.municipalityCode).toBe('167');

    const elsewhere = await run(hvidovreAdmin, REGISTER, { input: input({ municipalityCode: '479' }) });
    const nowhere = await run(hvidovreAdmin, REGISTER, { input: input({ municipalityCode: '999' }) });
    expect(elsewhere.errors).toEqual(nowhere.errors);
    expect(code(elsewhere)).toBe('BAD_USER_INPUT');

    const list = await run(hvidovreAdmin, LIST, { first: 100 });
    const codes = list.data!.partnerApps.edges.map((e: any) => e.node.municipalityCode);
    expect(new Set(codes)).toEqual(new Set(['167']));
    expect(list.data!.partnerApps.edges.map((e: any) => e.node.id)).not.toContain(foreign.appId);
    const listElsewhere = await run(hvidovreAdmin, LIST, { code: '479' });
    expect(listElsewhere.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'municipalityCode' } });
    expect((await run(LOCAL_OPERATOR, LIST, { code: '479', first: 100 })).data!.partnerApps.edges.map((e: any) => e.node.id)).toEqual([foreign.appId]);

    for (const op of [ONE, DEACTIVATE, ROTATE]) {
      const res = await run(hvidovreAdmin, op, { id: foreign.appId });
      expect({ op, code: code(res), message: res.errors?.[0]?.message }).toEqual({ op, code: 'NOT_FOUND', message: 'partner app not found' });
    }
    const row = await rt.orm.em.fork().findOneOrFail(PartnerApp, { id: foreign.appId });
    expect(row.active).toBe(true);
    expect(await verifyClientSecret(foreign.clientSecret, row.secretHash)).toBe(true);
    expect(row.municipality.id).toBe(svendborg);
  });

  it('answers FORBIDDEN to other roles and UNAUTHENTICATED without an actor', async () => {
    const school: Actor = { ...hvidovreAdmin, role: PartnerRole.School, purposes: ['school_support'], purpose: 'school_support' };
    for (const [source, variables] of [
      [LIST, {}],
      [REGISTER, { input: input() }],
    ] as const) {
      expect(code(await run(school, source, variables))).toBe('FORBIDDEN');
      expect(code(await run(null, source, variables))).toBe('UNAUTHENTICATED');
    }
  });

  it('deactivates (idempotently, never itself) and rotates the secret once', async () => {
    const reg = await run(hvidovreAdmin, REGISTER, { input: input({ name: 'To rotate', role: 'EVALUATOR', purposes: ['evaluation'] }) });
    const { partnerApp, clientSecret: first } = reg.data!.registerPartnerApp;

    const rotated = await run(hvidovreAdmin, ROTATE, { id: partnerApp.id });
    expect(rotated.errors).toBeUndefined();
    const second = rotated.data!.rotatePartnerAppSecret.clientSecret;
    expect(second).not.toBe(first);
    expect(rotated.data!.rotatePartnerAppSecret.clientId).toBe(partnerApp.clientId);
    const row = await rt.orm.em.fork().findOneOrFail(PartnerApp, { id: partnerApp.id });
    expect(await verifyClientSecret(first, row.secretHash)).toBe(false);
    expect(await verifyClientSecret(second, row.secretHash)).toBe(true);

    for (let i = 0; i < 2; i++) {
      const off = await run(hvidovreAdmin, DEACTIVATE, { id: partnerApp.id });
      expect(off.data!.deactivatePartnerApp).toEqual({ id: partnerApp.id, active: false });
    }
    expect(code(await run(hvidovreAdmin, ROTATE, { id: partnerApp.id }))).toBe('BAD_USER_INPUT');
    const self = await run(hvidovreAdmin, DEACTIVATE, { id: hvidovreAdmin.partnerAppId });
    expect(self.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
    expect(code(await run(hvidovreAdmin, DEACTIVATE, { id: 'not-an-id' }))).toBe('BAD_USER_INPUT');
  });

  it('pages through apps in registration order', async () => {
    const all = (await run(LOCAL_OPERATOR, LIST, { first: 100 })).data!.partnerApps.edges.map((e: any) => e.node.id);
    expect(all.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Result = await run(LOCAL_OPERATOR, LIST, { first: 2, after });
      seen.push(...page.data!.partnerApps.edges.map((e: any) => e.node.id));
      if (!page.data!.partnerApps.pageInfo.hasNextPage) break;
      after = page.data!.partnerApps.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
    expect(code(await run(LOCAL_OPERATOR, LIST, { first: 0 }))).toBe('BAD_USER_INPUT');
    expect(code(await run(LOCAL_OPERATOR, LIST, { after: 'bm9wZQ' }))).toBe('BAD_USER_INPUT');
  });
});
