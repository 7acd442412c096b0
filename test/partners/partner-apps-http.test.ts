import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { DeactivatePartnerAppDocument, PartnerAppsDocument, RegisterPartnerAppDocument, RotatePartnerAppSecretDocument } from '../../schema/client/graphql';
import { rawQuery } from '../../src/platform/db/bulk';
import { startHttpServer, type HttpServer } from '../../src/platform/http/server';
import { post } from '../support/graphql-client';
import { fetchToken, registerPartner } from '../support/partners';
import { createTestRuntime, type TestRuntime } from '../support/test-runtime';

describe('partner apps over GraphQL', () => {
  let rt: TestRuntime;
  let http: HttpServer;
  const tokens: Record<string, string> = {};

  const gql = <TData, TVars>(who: string, doc: TypedDocumentNode<TData, TVars>, variables: TVars) =>
    post<TData>(http.url, { query: print(doc), variables }, { authorization: `Bearer ${tokens[who]}` });

  beforeAll(async () => {
    rt = await createTestRuntime();
    http = await startHttpServer(rt);
    for (const [key, code, name] of [['hvidovre', '167', 'Hvidovre'], ['svendborg', '479', 'Svendborg']] as const) {
      const admin = await registerPartner(rt, { municipalityCode: code, municipalityName: name, role: 'admin', purposes: ['administration'] });
      tokens[key] = await fetchToken(http.url, admin.clientId, admin.clientSecret);
    }
  });
  afterAll(async () => {
    await http?.close();
    await rt?.dispose();
  });

  it('registers, rotates and deactivates apps of the admin’s own municipality, each change audited', async () => {
    const registered = await gql('hvidovre', RegisterPartnerAppDocument, {
      input: { name: 'Lyngskolen elevplan', municipalityCode: '167', role: 'SCHOOL', purposes: ['school_support'] },
    });
    expect(registered.errors).toBeUndefined();
    const { clientId, clientSecret, partnerApp } = registered.data!.registerPartnerApp;
    const first = await fetchToken(http.url, clientId, clientSecret);
    const ask = (token: string) => post(http.url, { query: '{ children(first: 1) { edges { node { id } } } }' }, { authorization: `Bearer ${token}` });
    expect((await ask(first)).errors).toBeUndefined();

    const rotated = await gql('hvidovre', RotatePartnerAppSecretDocument, { id: partnerApp.id });
    expect(rotated.data!.rotatePartnerAppSecret.clientSecret).not.toBe(clientSecret);
    expect((await ask(first)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const second = await fetchToken(http.url, clientId, rotated.data!.rotatePartnerAppSecret.clientSecret);
    expect((await ask(second)).errors).toBeUndefined();

    // Another municipality's admin neither sees nor touches it.
    const foreignList = await gql('svendborg', PartnerAppsDocument, { first: 50 });
    expect(foreignList.data!.partnerApps.edges.map((e) => e.node.id)).not.toContain(partnerApp.id);
    expect((await gql('svendborg', DeactivatePartnerAppDocument, { id: partnerApp.id })).errors?.[0].extensions?.code).toBe('NOT_FOUND');

    expect((await gql('hvidovre', DeactivatePartnerAppDocument, { id: partnerApp.id })).data!.deactivatePartnerApp.active).toBe(false);
    expect((await ask(second)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const { rows } = await rawQuery<{ detail: { change: string }; actor: string; row: string }>(
      rt.orm.em.fork(),
      `select search_criterion as detail, actor, row_to_json(a)::text as row from audit_event a where target = ? order by id`,
      [`partner_app:${partnerApp.id}`],
    );
    expect(rows.map((r) => r.detail.change)).toEqual(['register', 'rotate_secret', 'deactivate']);
    expect(rows.map((r) => r.row).join()).not.toContain(clientSecret);
  });
});
