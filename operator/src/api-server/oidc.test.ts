import assert from 'node:assert/strict';
import { roleFromClaims } from './oidc.js';

describe('OIDC role mapping', function () {
  const config = { roleClaim: 'groups', roleMap: { admins: 'platform-admin', sales: 'sales-ops' } as const };

  it('maps a string or list claim, first mapped entry winning', function () {
    assert.equal(roleFromClaims({ groups: 'sales' }, config), 'sales-ops');
    assert.equal(roleFromClaims({ groups: ['sales', 'admins'] }, config), 'platform-admin');
  });

  it('gives no role when nothing maps, never a default', function () {
    assert.equal(roleFromClaims({ groups: ['staff'] }, config), undefined);
    assert.equal(roleFromClaims({ groups: [1, 2] }, config), undefined);
    assert.equal(roleFromClaims({}, config), undefined);
  });
});
