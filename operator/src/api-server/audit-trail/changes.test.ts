import assert from 'node:assert/strict';
import type { Response } from 'express';
import { changesOf, recordChanges, specChanges } from './changes.js';

describe('the changes an audit record carries', function () {
  it('lists every field a spec sets as a dotted path in name order, lists and scalars as values', function () {
    const spec = {
      plan: 'standard',
      displayName: 'Acme',
      region: 'eu-central-1',
      suspended: false,
      owners: [{ kind: 'Group', name: 'acme-admins' }],
      app: { version: '1.4.2', pinned: true },
      network: { allowEgressCIDRs: ['203.0.113.0/24'] },
      database: { deletionPolicy: 'Delete' },
      encryption: { keyRotation: true },
    };
    assert.deepEqual(specChanges(spec), [
      { field: 'app.pinned', value: true },
      { field: 'app.version', value: '1.4.2' },
      { field: 'database.deletionPolicy', value: 'Delete' },
      { field: 'displayName', value: 'Acme' },
      { field: 'encryption.keyRotation', value: true },
      { field: 'network.allowEgressCIDRs', value: ['203.0.113.0/24'] },
      { field: 'owners', value: [{ kind: 'Group', name: 'acme-admins' }] },
      { field: 'plan', value: 'standard' },
      { field: 'region', value: 'eu-central-1' },
      { field: 'suspended', value: false },
    ]);
  });

  it('records chart values by key only: their contents are free-form and may hold a credential', function () {
    const changes = specChanges({ app: { values: { smtp: { password: 'hunter2' }, featureFlags: { beta: true } } } });
    assert.deepEqual(changes, [{ field: 'app.values', value: ['featureFlags', 'smtp'] }]);
    assert.doesNotMatch(JSON.stringify(changes), /hunter2|beta/);
  });

  it('leaves out fields that are not set, and records a patch as the fields it names', function () {
    assert.deepEqual(specChanges({ plan: undefined, suspended: true }), [{ field: 'suspended', value: true }]);
    assert.deepEqual(specChanges({}), []);
  });

  it("hands a route's changes to the outcome record; none when the route named none", function () {
    const response = { locals: {} } as Response;
    assert.deepEqual(changesOf(response), []);
    recordChanges(response, [{ field: 'plan', value: 'enterprise' }]);
    assert.deepEqual(changesOf(response), [{ field: 'plan', value: 'enterprise' }]);
  });
});
