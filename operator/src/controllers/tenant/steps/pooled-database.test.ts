/** Which database tier a tenant may be given: never the pool once it has a database of its own, and Snapshot in the pool only with an object store. */
import assert from 'node:assert/strict';
import { Reason } from '../../../api/conditions.js';
import type { StepContext } from '../context.js';
import { pooledDatabaseSpec, tierRefusal } from './pooled-database.js';

type Recorded = { name?: string; schema?: string } | undefined;

function context(
  isolation: 'Dedicated' | 'Shared',
  recorded: Recorded,
  deletionPolicy = 'Retain',
  options: { key?: 'Dedicated' | 'Shared'; backups?: boolean } = {},
): StepContext {
  return {
    config: options.backups === true ? { backups: { bucket: 'b' } } : {},
    tenant: {
      metadata: { name: 'acme', uid: 'a1b2' },
      spec: { region: 'eu-central-1', database: { deletionPolicy } },
      status: recorded ? { database: recorded } : undefined,
    },
    plan: {
      metadata: { name: isolation === 'Shared' ? 'pooled' : 'standard' },
      spec: { isolation: { database: isolation, key: options.key ?? 'Dedicated' } },
    },
  } as unknown as StepContext;
}

describe('the database tier of a tenant', () => {
  it('lets a new tenant have either tier, and each tenant keep the tier it has', () => {
    assert.equal(tierRefusal(context('Shared', undefined)), undefined);
    assert.equal(tierRefusal(context('Dedicated', undefined)), undefined);
    assert.equal(tierRefusal(context('Shared', { name: 'bulkhead_pool', schema: 'tenant_acme' })), undefined);
    assert.equal(tierRefusal(context('Dedicated', { name: 'tenant_acme' })), undefined);
  });

  it('lets a pooled tenant whose plan gives it a database of its own through, to be promoted (promotion.ts)', () => {
    assert.equal(tierRefusal(context('Dedicated', { name: 'bulkhead_pool', schema: 'tenant_acme' })), undefined);
  });

  it('refuses moving a tenant with a database of its own into the pool', () => {
    const refusal = tierRefusal(context('Shared', { name: 'tenant_acme' }));
    assert.equal(refusal?.reason, Reason.TierChangeNotSupported);
    assert.match(
      refusal?.message ?? '',
      /has database tenant_acme of its own \(status\.database\.name\), but spec\.plan pooled has spec\.isolation\.database Shared: demotion/,
    );
  });

  it('admits Snapshot and Export for a pooled tenant, on its own key or the pool key, when the operator has an object store', () => {
    for (const policy of ['Snapshot', 'Export']) {
      for (const key of ['Dedicated', 'Shared'] as const) {
        assert.equal(tierRefusal(context('Shared', undefined, policy, { key, backups: true })), undefined);
      }
    }
  });

  it('refuses Snapshot for a pooled tenant without an object store, naming the field', () => {
    const noStore = tierRefusal(context('Shared', undefined, 'Snapshot'));
    assert.equal(noStore?.reason, Reason.DeletionPolicyNotSupported);
    assert.match(noStore?.message ?? '', /spec\.database\.deletionPolicy Snapshot needs the operator's object store for a pooled tenant/);
    assert.equal(tierRefusal(context('Dedicated', undefined, 'Snapshot')), undefined);
  });

  it("names the tenant's schema in the pool after its role", () => {
    const spec = pooledDatabaseSpec({
      ...context('Shared', undefined),
      plan: { spec: { database: { connectionLimit: 5 } } },
    } as unknown as StepContext);
    assert.deepEqual(
      { database: spec.databaseName, role: spec.roleName, schema: spec.schemaName, limit: spec.connectionLimit },
      { database: 'bulkhead_pool', role: 'tenant_acme', schema: 'tenant_acme', limit: 5 },
    );
  });
});
