import assert from 'node:assert/strict';
import { roleFromClaims } from './oidc.js';

describe('OIDC role mapping', function () {
  const config = { roleClaim: 'groups', roleMap: { admins: 'platform-admin', sales: 'sales-ops', audit: 'auditor' } as const };

  it('maps a string or list claim', function () {
    assert.equal(roleFromClaims({ groups: 'sales' }, config), 'sales-ops');
    assert.equal(roleFromClaims({ groups: ['staff', 'admins'] }, config), 'platform-admin');
  });

  it('gives a caller in several mapped groups the least privileged role, whatever the order of claim or map', function () {
    const reversed = { ...config, roleMap: Object.fromEntries(Object.entries(config.roleMap).reverse()) };
    for (const map of [config, reversed]) {
      assert.equal(roleFromClaims({ groups: ['admins', 'sales'] }, map), 'sales-ops');
      assert.equal(roleFromClaims({ groups: ['sales', 'admins'] }, map), 'sales-ops');
      assert.equal(roleFromClaims({ groups: ['admins', 'audit', 'sales'] }, map), 'auditor');
    }
  });

  it('gives no role when nothing maps, never a default, nor one inherited by the map', function () {
    assert.equal(roleFromClaims({ groups: ['staff'] }, config), undefined);
    assert.equal(roleFromClaims({ groups: [1, 2] }, config), undefined);
    assert.equal(roleFromClaims({ groups: ['constructor', '__proto__', 'toString'] }, config), undefined);
    assert.equal(roleFromClaims({}, config), undefined);
  });
});
