/**
 * The database and key checks from indexes made once per run (docs/decisions/0060) are those of
 * the scans before, byte for byte, on random fleets: catalogs with missing, duplicated, privileged
 * and shared roles and databases, keys shared by several tenants through status, alias or
 * ConfigMap, pool grants of every shape (the tenant's own, to its principal under another context,
 * unconstrained, by subset, to someone else under its context), and the pooled cross reads.
 */
import assert from 'node:assert/strict';
import { databaseName, roleName } from '../../api/names.js';
import type { CatalogRole, IsolationCatalog } from '../../providers/database/isolation-catalog.js';
import { ownershipComment } from '../../providers/database/ownership.js';
import { tenantEncryptionContext, tenantGrantName, type PoolGrant } from '../../providers/kms/pool/index.js';
import { indexCatalog, judgeRole, judgeTenantCatalog } from '../data/database-catalog-checks.js';
import { indexKeyFacts, judgeExclusive, type KeyFacts } from '../data/key-checks.js';
import { indexPoolGrants, judgePoolGrants, type PoolKeyTenant } from '../data/pool-key-checks.js';
import { judgeCrossReads, readsByTarget } from '../data/pooled-audit.js';
import type { AuditedTenant } from '../data/model.js';
import { seeded, seeds, type Random } from './random.js';
import { judgeRole as judgeRoleBefore, judgeTenantCatalog as judgeTenantCatalogBefore } from './reference/data-database-catalog-checks.js';
import { judgeExclusive as judgeExclusiveBefore } from './reference/data-key-checks.js';
import { judgePoolGrants as judgePoolGrantsBefore } from './reference/data-pool-key-checks.js';

const fixedSeeds = Array.from({ length: 30 }, (_, i) => 3000 + i);

const same = (actual: unknown, expected: unknown, seed: number): void => {
  assert.deepEqual(actual, expected, `seed ${seed} (EQUIVALENCE_SEEDS=${seed} reproduces it)`);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), `seed ${seed}: the same bytes`);
};

function tenantsOf(random: Random): AuditedTenant[] {
  return Array.from({ length: 2 + random.int(20) }, (_, i) => ({ name: `t${i}`, uid: `u${i}`, region: 'r' }));
}

function roleOf(random: Random, name: string, tenant: AuditedTenant): CatalogRole {
  return {
    name,
    comment: random.chance(0.9) ? ownershipComment({ tenant: tenant.name, tenantUid: random.chance(0.9) ? tenant.uid : 'old' }) : null,
    superuser: random.chance(0.05),
    createDatabase: random.chance(0.05),
    createRole: false,
    replication: false,
    bypassRls: random.chance(0.05),
    inherit: true,
    canLogin: random.chance(0.9),
  };
}

function catalogOf(random: Random, tenants: readonly AuditedTenant[]): IsolationCatalog {
  const present = tenants.filter(() => random.chance(0.9));
  const roles = [
    { ...roleOf(random, 'postgres', tenants[0] as AuditedTenant), superuser: true, comment: null },
    ...present.flatMap((tenant) => {
      const role = roleOf(random, roleName({ metadata: tenant }), tenant);
      // Now and then the same name twice: find took the first.
      return random.chance(0.05) ? [role, { ...role, superuser: true }] : [role];
    }),
  ];
  const databases = present.flatMap((tenant) => {
    const own = roleName({ metadata: tenant });
    const database = {
      name: databaseName({ metadata: tenant }),
      owner: random.chance(0.9) ? own : random.pick(roles).name,
      comment: random.chance(0.9) ? ownershipComment({ tenant: tenant.name, tenantUid: tenant.uid }) : null,
      acl: [
        { grantee: own, privilege: 'CONNECT' },
        ...(random.chance(0.1)
          ? [{ grantee: random.pick(['PUBLIC', roleName({ metadata: random.pick(tenants) })]), privilege: 'CONNECT' }]
          : []),
      ],
    };
    return random.chance(0.05) ? [database, { ...database, owner: 'postgres' }] : [database];
  });
  const memberships = Array.from({ length: random.int(tenants.length) }, () => ({
    role: random.pick(roles).name,
    member: random.pick(roles).name,
  }));
  return { databases: databases.sort(() => random.next() - 0.5), roles, memberships };
}

function keyFactsOf(random: Random, tenants: readonly AuditedTenant[]): KeyFacts[] {
  const key = () => `key-${random.int(tenants.length * 2)}`;
  return tenants.map((tenant) => ({
    tenant: { ...tenant, rotationRequested: true },
    alias: `alias/bulkhead/${tenant.name}`,
    ...(random.chance(0.9) ? { statusKeyId: key() } : {}),
    ...(random.chance(0.8) ? { aliasTarget: key() } : {}),
    ...(random.chance(0.8) ? { configMapKeyId: key() } : {}),
  }));
}

function poolOf(random: Random, tenants: readonly AuditedTenant[]): { pooled: PoolKeyTenant[]; grants: PoolGrant[] } {
  const pooled = tenants.map((tenant) => ({ name: tenant.name, uid: tenant.uid, principal: `arn:role/${tenant.name}` }));
  const grants = pooled.flatMap((tenant, i): PoolGrant[] => {
    const other = random.pick(pooled);
    const shapes: (() => PoolGrant)[] = [
      () => ({
        grantId: `g${i}`,
        name: tenantGrantName(tenant.name, tenant.uid),
        granteePrincipal: tenant.principal,
        operations: ['Decrypt'],
        contextEquals: tenantEncryptionContext(tenant.name),
      }),
      () => ({
        grantId: `g${i}b`,
        name: '',
        granteePrincipal: tenant.principal,
        operations: ['Decrypt'],
        contextEquals: tenantEncryptionContext(other.name),
      }),
      () => ({ grantId: `g${i}c`, name: 'loose', granteePrincipal: other.principal, operations: ['Decrypt'] }),
      () => ({
        grantId: `g${i}d`,
        name: 'subset',
        granteePrincipal: 'arn:role/x',
        operations: ['Decrypt'],
        contextSubset: tenantEncryptionContext(other.name),
      }),
      () => ({
        grantId: `g${i}e`,
        name: 'theirs',
        granteePrincipal: other.principal,
        operations: ['Decrypt'],
        contextEquals: { ...tenantEncryptionContext(tenant.name) },
      }),
      () => ({
        grantId: `g${i}f`,
        name: 'wide',
        granteePrincipal: 'arn:role/x',
        operations: ['Decrypt'],
        contextEquals: { ...tenantEncryptionContext(tenant.name), extra: 'y' },
      }),
    ];
    return Array.from({ length: 1 + random.int(2) }, () => (random.chance(0.7) ? (shapes[0] as () => PoolGrant)() : random.pick(shapes)()));
  });
  return { pooled, grants: grants.sort(() => random.next() - 0.5) };
}

describe('the database and key checks from indexes (decision 0060)', function () {
  this.timeout(60_000);

  it("judge each tenant's database and role from the indexed catalog as from the scans", () => {
    let findings = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const catalog = catalogOf(random, tenants);
      const indexed = indexCatalog(catalog);
      for (const tenant of tenants) {
        const checks = judgeTenantCatalog(tenant, indexed);
        same(checks, judgeTenantCatalogBefore(tenant, catalog), seed);
        same(judgeTenantCatalog(tenant, catalog), checks, seed);
        same(judgeRole(tenant, indexed), judgeRoleBefore(tenant, catalog), seed);
        findings += checks.filter((check) => check.result === 'fail').length;
      }
    }
    assert.ok(findings > 30, `only ${findings} catalog findings: the inputs test nothing`);
  });

  it('find the same tenants sharing a key, in the same order', () => {
    let shared = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const everyone = keyFactsOf(random, tenantsOf(random));
      const indexed = indexKeyFacts(everyone);
      for (const facts of everyone) {
        const check = judgeExclusive(facts, indexed);
        same(check, judgeExclusiveBefore(facts, everyone), seed);
        same(judgeExclusive(facts, everyone), check, seed);
        if (check.result === 'fail') shared += 1;
      }
    }
    assert.ok(shared > 30, `only ${shared} shared keys: the inputs test nothing`);
  });

  it("judge each pooled tenant's grants on the pool key from the index as from the scans", () => {
    const reasons = new Set<string>();
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const { pooled, grants } = poolOf(random, tenantsOf(random));
      const indexed = indexPoolGrants(grants);
      for (const tenant of pooled) {
        const facts = { tenant, region: 'r', poolKeyId: 'pool', grants };
        const check = judgePoolGrants({ ...facts, grants: indexed });
        same(check, judgePoolGrantsBefore(facts), seed);
        same(judgePoolGrants(facts), check, seed);
        reasons.add(check.reason);
      }
    }
    for (const reason of ['Verified', 'PoolGrantUnconstrained', 'PoolGrantAdmitsOthers', 'PoolGrantOtherContext', 'PoolGrantMissing']) {
      assert.ok(reasons.has(reason), `no tenant judged ${reason}: the inputs test too little (${[...reasons].join(', ')})`);
    }
  });

  it('judge the pooled cross reads by target as given every read', () => {
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random).map((tenant) => ({
        name: tenant.name,
        spec: { roleName: `r_${tenant.name}`, schemaName: `s_${tenant.name}`, tenant: tenant.name, tenantUid: tenant.uid },
      }));
      const reads = tenants.flatMap((from) =>
        tenants
          .filter((to) => to !== from)
          .map((to) => ({
            from: from.name,
            to: to.name,
            probe: { outcome: random.pick(['refused', 'reachable', 'unanswered'] as const) },
          })),
      );
      const byTarget = readsByTarget(reads.sort(() => random.next() - 0.5));
      for (const tenant of tenants) same(judgeCrossReads(tenant, byTarget.get(tenant.name) ?? []), judgeCrossReads(tenant, reads), seed);
    }
  });
});
