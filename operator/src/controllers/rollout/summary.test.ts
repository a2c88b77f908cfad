/** The counts of a Rollout's status. */
import assert from 'node:assert/strict';
import { selectFleet } from './fleet.js';
import { versionCounts } from './summary.js';
import { fleetTenant, rollout } from './test-fixtures.js';

describe('versionCounts', () => {
  it('counts every selected tenant, pinned ones too, most common version first, then by version', () => {
    const fleet = selectFleet(rollout({ version: '2.0.0' }), [
      fleetTenant('a', { runs: '1.10.0' }),
      fleetTenant('b', { runs: '1.9.0' }),
      fleetTenant('c', { runs: '2.0.0' }),
      fleetTenant('d', { runs: '2.0.0', app: { pinned: true } }),
    ]);
    assert.deepEqual(versionCounts(fleet), [
      { version: '2.0.0', count: 2 },
      { version: '1.9.0', count: 1 },
      { version: '1.10.0', count: 1 },
    ]);
  });
});
