import assert from 'node:assert/strict';
import { DatabaseOwnedByAnotherTenant } from './errors.js';
import { assertNothingForeign, databaseIsTenants, ownershipComment, parseOwnershipComment } from './ownership.js';
import type { TenantDatabaseSpec } from './types.js';

const spec: TenantDatabaseSpec = {
  tenant: 'acme',
  tenantUid: 'uid-new',
  databaseName: 'tenant_acme',
  roleName: 'tenant_acme',
  connectionLimit: 20,
};
const ours = ownershipComment(spec);
const formerAcme = ownershipComment({ tenant: 'acme', tenantUid: 'uid-old' });

describe('database ownership', () => {
  it('marks objects with the tenant name and UID and reads the mark back', () => {
    assert.deepEqual(parseOwnershipComment(ours), { tenant: 'acme', tenantUid: 'uid-new' });
  });

  it('reads comments that are not its own as no mark', () => {
    for (const comment of [null, '', 'a database for acme', '{"tenant":"acme","tenantUid":"x"}', '{"managedBy":"bulkhead","tenant":1}']) {
      assert.equal(parseOwnershipComment(comment), undefined, String(comment));
    }
  });

  it('lets a tenant have what is marked with its UID, or nothing yet', () => {
    assert.doesNotThrow(() => assertNothingForeign({}, spec));
    assert.doesNotThrow(() => assertNothingForeign({ role: { comment: ours }, database: { comment: ours, owner: 'tenant_acme' } }, spec));
  });

  it('refuses a retained role or database of a former tenant with the same name', () => {
    assert.throws(() => assertNothingForeign({ role: { comment: formerAcme } }, spec), DatabaseOwnedByAnotherTenant);
    assert.throws(
      () => assertNothingForeign({ database: { comment: formerAcme, owner: 'tenant_acme' } }, spec),
      /belongs to tenant "acme" with UID uid-old .* not to tenant "acme" with UID uid-new/,
    );
  });

  it('refuses an unmarked role, which Bulkhead never leaves behind', () => {
    assert.throws(() => assertNothingForeign({ role: { comment: null } }, spec), /something Bulkhead did not create/);
  });

  it("takes an unmarked database as the tenant's only when the tenant's own role owns it (an interrupted creation)", () => {
    assert.equal(databaseIsTenants({ comment: null, owner: 'tenant_acme' }, spec, true), true);
    assert.equal(databaseIsTenants({ comment: null, owner: 'tenant_acme' }, spec, false), false);
    assert.equal(databaseIsTenants({ comment: null, owner: 'postgres' }, spec, true), false);
    assert.throws(() => assertNothingForeign({ database: { comment: null, owner: 'tenant_acme' } }, spec), DatabaseOwnedByAnotherTenant);
    assert.doesNotThrow(() => assertNothingForeign({ role: { comment: ours }, database: { comment: null, owner: 'tenant_acme' } }, spec));
  });
});
