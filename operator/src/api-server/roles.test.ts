import assert from 'node:assert/strict';
import { actions, leastPrivilegedRole, roleAllows, rolePrecedence, roles } from './roles.js';

/** Actions that change a tenant. */
const changes = actions.filter((action) => action.startsWith('tenants:') && action !== 'tenants:read');

describe('roles', function () {
  it('rank every role once, least privileged first', function () {
    assert.deepEqual([...rolePrecedence].sort(), [...roles].sort());
  });

  it('rank by what a role may change: each may change all that the one before it may, and more', function () {
    for (const [index, role] of rolePrecedence.entries()) {
      const next = rolePrecedence[index + 1];
      if (!next) continue;
      const mine = changes.filter((action) => roleAllows(role, action));
      const theirs = changes.filter((action) => roleAllows(next, action));
      assert.ok(mine.every((action) => theirs.includes(action)) && theirs.length > mine.length, `${role} before ${next}`);
    }
    assert.deepEqual(
      changes.filter((action) => roleAllows('auditor', action)),
      [],
      'an auditor changes nothing',
    );
  });

  it('let sales ops restore a tenant from its own backups, and only platform admins from another tenant', function () {
    assert.deepEqual(
      roles.filter((role) => roleAllows(role, 'tenants:restore')),
      ['sales-ops', 'platform-admin'],
    );
    assert.deepEqual(
      roles.filter((role) => roleAllows(role, 'tenants:restore-cross-tenant')),
      ['platform-admin'],
    );
    for (const role of roles) assert.ok(roleAllows(role, 'backups:read') && roleAllows(role, 'restores:read'), role);
  });

  it('give a caller mapped to several roles the least privileged, whatever their order', function () {
    assert.equal(leastPrivilegedRole(['platform-admin', 'sales-ops']), 'sales-ops');
    assert.equal(leastPrivilegedRole(['sales-ops', 'platform-admin']), 'sales-ops');
    assert.equal(leastPrivilegedRole(['sales-ops', 'auditor', 'platform-admin']), 'auditor');
    assert.equal(leastPrivilegedRole(['platform-admin']), 'platform-admin');
    assert.equal(leastPrivilegedRole([]), undefined);
  });
});
