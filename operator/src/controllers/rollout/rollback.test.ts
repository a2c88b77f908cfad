/** spec.rollback: every tenant the rollout moved goes back to what it ran before, all at once. */
import assert from 'node:assert/strict';
import { appVersionAnnotation, previousAppVersionAnnotation, rolloutAnnotation } from '../../api/rollout.js';
import type { FleetTenant } from './fleet.js';
import { planRollout } from './planner.js';
import { applyPatches, deployRequested, fleetTenant, names, rollout, start } from './test-fixtures.js';

function movedBy(rolloutName: string, previous?: string): Record<string, string> {
  return {
    [appVersionAnnotation]: '2.0.0',
    [rolloutAnnotation]: rolloutName,
    ...(previous === undefined ? {} : { [previousAppVersionAnnotation]: previous }),
  };
}

function fleet(): FleetTenant[] {
  return [
    fleetTenant('a1', { runs: '2.0.0', annotations: movedBy('to-2', '1.0.0') }),
    fleetTenant('a2', { runs: '2.0.0', annotations: movedBy('to-2', '1.5.0') }),
    fleetTenant('a3', { runs: '2.0.0', annotations: movedBy('to-2') }),
    fleetTenant('b1', { runs: '2.0.0', annotations: movedBy('another', '1.0.0') }),
    fleetTenant('p1', { runs: '2.0.0', annotations: movedBy('to-2', '1.0.0'), app: { pinned: true } }),
    fleetTenant('u1'),
  ];
}

describe('planRollout with spec.rollback', () => {
  const subject = rollout({ version: '2.0.0', rollback: true }, { generation: 4, status: { phase: 'Completed', observedGeneration: 3 } });

  it('moves every tenant it moved back to the recorded version, all at once', () => {
    const plan = planRollout({ rollout: subject, rollouts: [subject], tenants: fleet(), now: start });
    assert.deepEqual(plan.patches, [
      { tenant: 'a1', resourceVersion: '100', version: '1.0.0' },
      { tenant: 'a2', resourceVersion: '100', version: '1.5.0' },
      { tenant: 'a3', resourceVersion: '100', version: null },
    ]);
  });

  it('leaves alone the tenants another rollout moved, pinned tenants and tenants never moved', () => {
    const plan = planRollout({ rollout: subject, rollouts: [subject], tenants: fleet(), now: start });
    assert.ok(!names(plan.patches).some((name) => ['b1', 'p1', 'u1'].includes(name)));
  });

  it('reports RolledBack at once, and how many run their old version healthily', () => {
    const plan = planRollout({ rollout: subject, rollouts: [subject], tenants: fleet(), now: start });
    assert.equal(plan.status.phase, 'RolledBack');
    assert.equal(plan.status.reason, 'RollbackRequested');
    assert.match(plan.status.message ?? '', /^Rolled back 3 tenants to the version they ran before this rollout; 0 run it healthily$/);
    assert.deepEqual(plan.status.upgrading, []);
    assert.equal(plan.requeueAfterMs, undefined);

    const back = deployRequested(applyPatches(fleet(), plan), ['a1', 'a2']);
    const later = planRollout({ rollout: subject, rollouts: [subject], tenants: back, now: start });
    assert.deepEqual(later.patches, [], 'nothing left to move');
    assert.match(later.status.message ?? '', /; 2 run it healthily$/);
  });

  it('rolls back even while another rollout is active: it is the way out', () => {
    const older = rollout({ version: '3.0.0' }, { name: 'older', created: '2025-01-01T00:00:00Z' });
    const plan = planRollout({ rollout: subject, rollouts: [older, subject], tenants: fleet(), now: start });
    assert.equal(plan.patches.length, 3);
  });
});
