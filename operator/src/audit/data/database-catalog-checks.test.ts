import assert from 'node:assert/strict';
import type { CatalogRole, IsolationCatalog } from '../../providers/database/isolation-catalog.js';
import { ownershipComment } from '../../providers/database/ownership.js';
import { judgeDatabaseAcl, judgeOwnershipMarkers, judgeRole } from './database-catalog-checks.js';
import { databaseInventory, judgeOrphans } from './database-orphans.js';

const acme = { name: 'acme', uid: 'u-acme', region: 'eu-central-1' };
const globex = { name: 'globex', uid: 'u-globex', region: 'eu-central-1' };

const role = (name: string, fields: Partial<CatalogRole> = {}): CatalogRole => ({
  name,
  comment: null,
  superuser: false,
  createDatabase: false,
  createRole: false,
  replication: false,
  bypassRls: false,
  inherit: false,
  canLogin: true,
  ...fields,
});
const ownAcl = (owner: string) => ['CONNECT', 'CREATE', 'TEMPORARY'].map((privilege) => ({ grantee: owner, privilege }));

/** The catalog the operator leaves for acme and globex. */
function catalog(): IsolationCatalog {
  return {
    databases: [acme, globex].map((t) => ({
      name: `tenant_${t.name}`,
      owner: `tenant_${t.name}`,
      comment: ownershipComment({ tenant: t.name, tenantUid: t.uid }),
      acl: ownAcl(`tenant_${t.name}`),
    })),
    roles: [
      role('postgres', { superuser: true, createDatabase: true, createRole: true, replication: true, bypassRls: true, inherit: true }),
      ...[acme, globex].map((t) => role(`tenant_${t.name}`, { comment: ownershipComment({ tenant: t.name, tenantUid: t.uid }) })),
    ],
    memberships: [],
  };
}

describe('the database catalog checks', () => {
  it('pass what the operator creates', () => {
    for (const check of [judgeDatabaseAcl(acme, catalog()), judgeRole(acme, catalog()), judgeOwnershipMarkers(acme, catalog())]) {
      assert.equal(check.result, 'pass', `${check.id}: ${check.message}`);
    }
  });

  it("find another tenant's role granted CONNECT on the database", () => {
    const state = catalog();
    state.databases[0]!.acl.push({ grantee: 'tenant_globex', privilege: 'CONNECT' });
    const check = judgeDatabaseAcl(acme, state);
    assert.equal(check.reason, 'DatabaseAclGrantsOthers');
    assert.match(check.message, /CONNECT to tenant_globex/);
    assert.equal(judgeDatabaseAcl(globex, state).result, 'pass');
  });

  it('find PUBLIC in the ACL, and accept grants to superusers', () => {
    const state = catalog();
    state.databases[0]!.acl.push({ grantee: 'postgres', privilege: 'CONNECT' });
    assert.equal(judgeDatabaseAcl(acme, state).result, 'pass');
    state.databases[0]!.acl.push({ grantee: 'PUBLIC', privilege: 'TEMPORARY' });
    assert.equal(judgeDatabaseAcl(acme, state).reason, 'DatabaseAclGrantsOthers');
  });

  it('find a database owned by another login role', () => {
    const state = catalog();
    state.databases[0]!.owner = 'tenant_globex';
    assert.equal(judgeDatabaseAcl(acme, state).reason, 'DatabaseOwnedByOtherRole');
  });

  it('find each privileged attribute of the role', () => {
    for (const field of ['superuser', 'createDatabase', 'createRole', 'replication', 'bypassRls'] as const) {
      const state = catalog();
      state.roles[1] = { ...state.roles[1]!, [field]: true };
      assert.equal(judgeRole(acme, state).reason, 'RolePrivileged', field);
    }
  });

  it('find memberships in either direction, but not a superuser holding the role', () => {
    const state = catalog();
    state.memberships.push({ role: 'tenant_acme', member: 'postgres' });
    assert.equal(judgeRole(acme, state).result, 'pass');
    state.memberships.push({ role: 'pg_read_all_data', member: 'tenant_acme' });
    assert.equal(judgeRole(acme, state).reason, 'RoleMemberOfOtherRole');
    const other = catalog();
    other.memberships.push({ role: 'tenant_acme', member: 'tenant_globex' });
    assert.equal(judgeRole(acme, other).reason, 'RoleGrantedToOthers');
    assert.equal(judgeRole(globex, other).reason, 'RoleMemberOfOtherRole');
  });

  it("find a marker naming another UID (a namesake's retained data) or none", () => {
    const state = catalog();
    state.databases[0]!.comment = ownershipComment({ tenant: 'acme', tenantUid: 'u-old' });
    assert.equal(judgeOwnershipMarkers(acme, state).reason, 'OwnershipMarkerWrong');
    state.databases[0]!.comment = catalog().databases[0]!.comment;
    state.roles[1]!.comment = null;
    assert.match(judgeOwnershipMarkers(acme, state).message, /role tenant_acme carries no Bulkhead ownership marker/);
  });

  it('call a missing database or role a finding', () => {
    const state = catalog();
    state.databases.shift();
    state.roles.splice(1, 1);
    assert.equal(judgeDatabaseAcl(acme, state).reason, 'DatabaseMissing');
    assert.equal(judgeRole(acme, state).reason, 'RoleMissing');
  });
});

describe('the orphan check', () => {
  it('passes when every tenant-like object belongs to a tenant', () => {
    assert.equal(judgeOrphans('db:5432', [acme, globex], catalog()).result, 'pass');
  });

  it('lists a retained database whose role cannot log in, without calling it a finding', () => {
    const state = catalog();
    state.roles[2]!.canLogin = false;
    const check = judgeOrphans('db:5432', [acme], state);
    assert.equal(check.result, 'pass');
    assert.deepEqual((check.evidence as { retained: string[] }).retained, ['database tenant_globex', 'role tenant_globex']);
  });

  it('finds a tenant-like role that can still log in, and an unmarked tenant-like database', () => {
    const state = catalog();
    state.databases.push({ name: 'tenant_stray', owner: 'postgres', comment: null, acl: [] });
    const check = judgeOrphans('db:5432', [acme], state);
    assert.equal(check.result, 'fail');
    assert.equal(check.reason, 'OrphanDatabaseObjects');
    assert.deepEqual((check.evidence as { unaccounted: string[] }).unaccounted, [
      'database tenant_globex',
      'database tenant_stray',
      'role tenant_globex (can log in)',
    ]);
  });

  it("ignores databases and roles that do not look like a tenant's", () => {
    const state = catalog();
    state.databases.push({ name: 'reporting', owner: 'postgres', comment: null, acl: [{ grantee: 'PUBLIC', privilege: 'CONNECT' }] });
    assert.equal(judgeOrphans('db:5432', [acme, globex], state).result, 'pass');
  });
});

describe('the database inventory', () => {
  it('names each live tenant-like database by its tenant, leaving retained ones out', () => {
    const state = catalog();
    state.databases.push({ name: 'tenant_stray_one', owner: 'postgres', comment: null, acl: [] });
    assert.deepEqual(databaseInventory([acme, globex], state), ['acme', 'globex', 'stray-one']);
    state.roles[2]!.canLogin = false;
    assert.deepEqual(databaseInventory([acme], state), ['acme', 'stray-one']);
  });
});
