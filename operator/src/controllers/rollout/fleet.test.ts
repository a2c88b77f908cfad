/** How a Rollout sees tenants: rings, pins and health. */
import assert from 'node:assert/strict';
import { Reason } from '../../api/conditions.js';
import { appVersionAnnotation } from '../../api/rollout.js';
import { isHealthyOn, isPinned, requestedVersion, ringOf, selectFleet } from './fleet.js';
import { fleetTenant, rollout, withAppDeployed } from './test-fixtures.js';

describe('the fleet a rollout sees', () => {
  it('puts canaries in ring -1, others in their plan ring, and tenants without a plan last', () => {
    assert.equal(ringOf(fleetTenant('a', { ring: 5, canary: true })), -1);
    assert.equal(ringOf(fleetTenant('a', { ring: 3 })), 3);
    assert.equal(ringOf({ tenant: fleetTenant('a').tenant }), 9);
  });

  it('counts a canary label only when it says true', () => {
    const entry = fleetTenant('a', { ring: 3 });
    entry.tenant.metadata.labels = { 'bulkhead.dev/canary': 'false' };
    assert.equal(ringOf(entry), 3);
  });

  it('takes a tenant naming its own version, or pinned, as pinned', () => {
    assert.ok(isPinned(fleetTenant('a', { app: { version: '1.0.0' } }).tenant));
    assert.ok(isPinned(fleetTenant('a', { app: { pinned: true } }).tenant));
    assert.ok(!isPinned(fleetTenant('a', { app: { pinned: false, values: {} } }).tenant));
  });

  it('orders members by ring, then name', () => {
    const { members } = selectFleet(rollout({ version: '2.0.0' }), [
      fleetTenant('b', { ring: 1 }),
      fleetTenant('z', { ring: 0 }),
      fleetTenant('a', { ring: 1 }),
      fleetTenant('y', { ring: 4, canary: true }),
    ]);
    assert.deepEqual(
      members.map((member) => member.name),
      ['y', 'z', 'a', 'b'],
    );
  });

  it('reads the requested version from the annotation, else the plan', () => {
    assert.equal(requestedVersion(fleetTenant('a', { planVersion: '1.2.0' })), '1.2.0');
    assert.equal(requestedVersion(fleetTenant('a', { annotations: { [appVersionAnnotation]: '1.3.0' } })), '1.3.0');
  });

  it('is healthy on a version only when it reports it and AppDeployed is True', () => {
    const running = fleetTenant('a', { runs: '2.0.0' });
    assert.ok(isHealthyOn(running.tenant, '2.0.0'));
    assert.ok(!isHealthyOn(running.tenant, '2.0.1'));
    const failing = withAppDeployed(running, { status: 'False', reason: Reason.Progressing, message: 'pods not ready' });
    assert.ok(!isHealthyOn(failing.tenant, '2.0.0'));
  });
});
