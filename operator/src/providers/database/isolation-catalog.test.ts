import assert from 'node:assert/strict';
import { isolationCatalogQuery, readCatalogFrom, type CatalogSession, type IsolationCatalog } from './isolation-catalog.js';

const catalog: IsolationCatalog = {
  databases: [{ name: 'tenant_a', owner: 'tenant_a', comment: null, acl: [{ grantee: 'tenant_a', privilege: 'CONNECT' }] }],
  roles: [
    {
      name: 'tenant_a',
      comment: null,
      superuser: false,
      createDatabase: false,
      createRole: false,
      replication: false,
      bypassRls: false,
      inherit: true,
      canLogin: true,
    },
  ],
  memberships: [],
};

describe("the audit's read of a server's catalog", () => {
  it('asks for the databases, roles and memberships in one statement, so one session and one snapshot serve every tenant', async () => {
    const asked: string[] = [];
    const session: CatalogSession = {
      query: (sql) => {
        asked.push(sql);
        return Promise.resolve({ rows: [{ ...catalog }] });
      },
    };
    assert.deepEqual(await readCatalogFrom(session), catalog);
    assert.deepEqual(asked, [isolationCatalogQuery]);
    assert.match(isolationCatalogQuery, /FROM pg_database[\s\S]*FROM pg_roles[\s\S]*FROM pg_auth_members/);
  });

  it('refuses an answer without a row rather than judging an empty catalog', async () => {
    await assert.rejects(
      readCatalogFrom({ query: () => Promise.resolve({ rows: [] }) }),
      /reading the catalog for the audit: the server returned no row/,
    );
  });
});
