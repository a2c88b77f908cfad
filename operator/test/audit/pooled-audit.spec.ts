/**
 * The audit's pooled checks against the real PostgreSQL server, with the tenants' real logins: two
 * pooled tenants pass; a GRANT of one tenant's schema to the other is found both in the catalog
 * and by the other tenant's login actually reading it; loosened row-level security is found; and
 * once the operator has repaired the drift the audit passes again.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../src/runtime/logging.js';
import { PostgresDatabaseProvider, generatePassword } from '../../src/providers/database/index.js';
import {
  poolDatabaseName,
  sharedTable,
  type PooledDatabaseProvider,
  type PooledTenantSpec,
} from '../../src/providers/database/pooled/index.js';
import { auditPooledTenants, type PooledAuditTenant } from '../../src/audit/data/pooled-audit.js';
import type { AuditCheck } from '../../src/audit/model.js';
import { soleActorFence } from '../providers/support/fence.js';
import { adminQuery, adminServer, pooledTenantSpec } from '../providers/support/postgres.js';

function auditTenant(spec: PooledTenantSpec, password: string): PooledAuditTenant {
  const { host, port } = adminServer();
  return { name: spec.tenant, spec, credentials: { host, port, username: spec.roleName, password } };
}

/** `<tenant> <check id> <reason>` for every check that is not a pass. */
function findings(checks: readonly AuditCheck[]): string[] {
  return checks.filter((check) => check.result !== 'pass').map((check) => `${check.tenant ?? ''} ${check.id} ${check.reason}`);
}

describe('the audit of pooled tenants', function () {
  let provider: PostgresDatabaseProvider;
  let pooled: PooledDatabaseProvider;
  let a: PooledTenantSpec;
  let b: PooledTenantSpec;
  let tenants: PooledAuditTenant[];
  const passwords = { a: generatePassword(), b: generatePassword() };

  before(async function () {
    provider = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ silent: true }) });
    pooled = provider.pooled();
    a = pooledTenantSpec('audit-pool-a');
    b = pooledTenantSpec('audit-pool-b');
    await pooled.ensure(a, passwords.a);
    await pooled.ensure(b, passwords.b);
    tenants = [auditTenant(a, passwords.a), auditTenant(b, passwords.b)];
  });

  after(async function () {
    await pooled.drop(a, soleActorFence);
    await pooled.drop(b, soleActorFence);
    await provider.close();
  });

  it('passes both tenants on every pooled check, having tried each login on the other schema', async function () {
    const checks = await auditPooledTenants(adminServer(), tenants);
    assert.deepEqual(findings(checks), []);
    assert.deepEqual(checks.map((check) => `${check.tenant ?? ''} ${check.id}`).sort(), [
      `${a.tenant} database.pooled-cross-read`,
      `${a.tenant} database.pooled-row-security`,
      `${a.tenant} database.pooled-schema-acl`,
      `${b.tenant} database.pooled-cross-read`,
      `${b.tenant} database.pooled-row-security`,
      `${b.tenant} database.pooled-schema-acl`,
    ]);
    const crossRead = checks.find((check) => check.id === 'database.pooled-cross-read' && check.tenant === a.tenant);
    assert.deepEqual(crossRead?.evidence, [{ credentials: b.tenant, outcome: 'refused', sqlState: '42501' }]);
  });

  it("fails on a GRANT of tenant A's schema to tenant B, found in the catalog and by B's login, until the operator takes it back", async function () {
    await adminQuery(`GRANT USAGE ON SCHEMA "${a.schemaName}" TO "${b.roleName}"`, [], poolDatabaseName);
    try {
      assert.deepEqual(findings(await auditPooledTenants(adminServer(), tenants)), [
        `${a.tenant} database.pooled-schema-acl SchemaGrantsOthers`,
        `${a.tenant} database.pooled-cross-read OtherTenantCanReadSchema`,
      ]);
    } finally {
      await pooled.ensure(a, passwords.a);
    }
    assert.deepEqual(findings(await auditPooledTenants(adminServer(), tenants)), []);
  });

  it('fails every pooled tenant when the shared table no longer forces its policy, or the policy lets every row through', async function () {
    await adminQuery(`INSERT INTO ${sharedTable} (tenant, key, value) VALUES ($1, 'k', 'of b')`, [b.roleName], poolDatabaseName);
    await adminQuery(`ALTER POLICY tenant_isolation ON ${sharedTable} USING (true)`, [], poolDatabaseName);
    try {
      const checks = await auditPooledTenants(adminServer(), tenants);
      assert.deepEqual(findings(checks), [
        `${a.tenant} database.pooled-row-security RowSecurityNotEnforced`,
        `${b.tenant} database.pooled-row-security RowSecurityNotEnforced`,
      ]);
      const ofA = checks.find((check) => check.id === 'database.pooled-row-security' && check.tenant === a.tenant);
      assert.equal((ofA?.evidence as { foreignRowsSeen: number }).foreignRowsSeen, 1, "A's login really saw B's row");
    } finally {
      await pooled.ensure(a, passwords.a);
    }
    assert.deepEqual(findings(await auditPooledTenants(adminServer(), tenants)), []);
  });

  it('reports a login it could not try as an error, never a pass', async function () {
    const withoutB = [tenants[0] as PooledAuditTenant, { name: b.tenant, spec: b, credentialsProblem: 'Secret not readable' }];
    const checks = await auditPooledTenants(adminServer(), withoutB);
    assert.deepEqual(findings(checks), [
      `${a.tenant} database.pooled-cross-read ProbeUnanswered`,
      `${b.tenant} database.pooled-row-security ProbeUnanswered`,
    ]);
  });
});
