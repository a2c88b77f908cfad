/** planRollout moving tenants: waves, canaries first, the concurrency bound, completion and pins. */
import assert from 'node:assert/strict';
import { appVersionAnnotation, previousAppVersionAnnotation, rolloutAnnotation, type Rollout } from '../../api/rollout.js';
import type { FleetTenant } from './fleet.js';
import type { RolloutPlan } from './plan-types.js';
import { planRollout } from './planner.js';
import {
  applyPatches,
  deployRequested,
  fleetTenant,
  names,
  planFor,
  rollout,
  sampleFleet,
  secondsLater,
  start,
  tenantNamed,
  withStatus,
} from './test-fixtures.js';

interface Step {
  at: Date;
  plan: RolloutPlan;
}

/**
 * Reconciles until the rollout stops changing, the tenant controller making every moved tenant
 * healthy `healthySeconds` after it was moved. Returns every step.
 */
function simulate(
  subject: Rollout,
  tenants: FleetTenant[],
  healthySeconds = 5,
): { steps: Step[]; rollout: Rollout; tenants: FleetTenant[] } {
  const steps: Step[] = [];
  let current = subject;
  let now = start;
  for (let round = 0; round < 100; round += 1) {
    const plan = planRollout({ rollout: current, rollouts: [current], tenants, now });
    steps.push({ at: now, plan });
    tenants = applyPatches(tenants, plan);
    current = withStatus(current, plan);
    if (plan.status.phase !== 'Progressing') break;
    now = secondsLater(now, healthySeconds);
    tenants = deployRequested(
      tenants,
      (plan.status.upgrading ?? []).map((entry) => entry.tenant),
    );
  }
  return { steps, rollout: current, tenants };
}

describe('planRollout', () => {
  describe('order', () => {
    it('starts with the canary tenants, whatever their plan', () => {
      const result = planFor({ version: '2.0.0', maxConcurrent: 5 }, sampleFleet());
      assert.deepEqual(names(result.patches), ['c1', 'c2']);
      assert.equal(result.status.currentRing, -1);
      assert.deepEqual(names(result.status.upgrading ?? []), ['c1', 'c2']);
    });

    it('moves tenants ring by ring, by name within a ring, and never starts a ring before the earlier ones are healthy', () => {
      const { steps } = simulate(rollout({ version: '2.0.0', maxConcurrent: 3 }), sampleFleet());
      const started = steps.map((step) => names(step.plan.patches)).filter((wave) => wave.length > 0);
      assert.deepEqual(started, [['c1', 'c2'], ['a1', 'a2', 'a3'], ['a4'], ['e1', 'e2', 'e3']]);
    });

    it('waits for a slow tenant of a ring before starting the next ring, even with free slots', () => {
      const tenants = applyPatches(sampleFleet(), planFor({ version: '2.0.0' }, sampleFleet()));
      // c1 became healthy, c2 is still rolling out.
      const progressed = deployRequested(tenants, ['c1']);
      const subject = rollout({ version: '2.0.0' }, { status: planFor({ version: '2.0.0' }, sampleFleet()).status });
      const next = planRollout({ rollout: subject, rollouts: [subject], tenants: progressed, now: secondsLater(start, 5) });
      assert.deepEqual(next.patches, []);
      assert.deepEqual(names(next.status.upgrading ?? []), ['c2']);
      assert.equal(next.status.phase, 'Progressing');
    });
  });

  describe('the concurrency bound', () => {
    it('never has more than maxConcurrent tenants in flight', () => {
      for (const maxConcurrent of [1, 2, 4]) {
        const { steps } = simulate(rollout({ version: '2.0.0', maxConcurrent }), sampleFleet(), 5);
        for (const { plan: step } of steps)
          assert.ok((step.status.upgrading ?? []).length <= maxConcurrent, `maxConcurrent ${maxConcurrent}`);
      }
    });

    it('starts only as many as there are free slots', () => {
      const ringOne = ['a1', 'a2', 'a3', 'a4'].map((name) => fleetTenant(name));
      const first = planFor({ version: '2.0.0', maxConcurrent: 3 }, ringOne);
      assert.deepEqual(names(first.patches), ['a1', 'a2', 'a3']);
      const tenants = deployRequested(applyPatches(ringOne, first), ['a2']);
      const subject = rollout({ version: '2.0.0', maxConcurrent: 3 }, { status: first.status });
      const second = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 5) });
      assert.deepEqual(names(second.patches), ['a4']);
      assert.deepEqual(names(second.status.upgrading ?? []), ['a1', 'a3', 'a4']);
    });
  });

  describe('completion', () => {
    it('completes when every selected tenant runs the version healthily, and reports the counts', () => {
      const { rollout: done, tenants } = simulate(rollout({ version: '2.0.0', maxConcurrent: 4 }), sampleFleet());
      assert.equal(done.status?.phase, 'Completed');
      assert.equal(done.status?.reason, 'AllTenantsUpdated');
      assert.equal(done.status?.total, 9);
      assert.equal(done.status?.updated, 9);
      assert.equal(done.status?.pinned, 2);
      assert.equal(done.status?.currentRing, undefined);
      assert.deepEqual(done.status?.versions, [
        { version: '2.0.0', count: 9 },
        { version: '1.0.0', count: 2 },
      ]);
      assert.deepEqual(done.status?.waves, [
        { ring: -1, total: 2, updated: 2 },
        { ring: 1, total: 4, updated: 4 },
        { ring: 5, total: 3, updated: 3 },
      ]);
      assert.equal(done.status?.conditions?.find((condition) => condition.type === 'Completed')?.status, 'True');
      assert.equal(tenantNamed(tenants, 'e3').tenant.metadata.annotations?.[appVersionAnnotation], '2.0.0');
    });

    it('counts a tenant already on the version through its plan as updated, and does not touch it', () => {
      const tenants = [fleetTenant('a1', { planVersion: '2.0.0' }), fleetTenant('a2')];
      const result = planFor({ version: '2.0.0' }, tenants);
      assert.deepEqual(names(result.patches), ['a2']);
      assert.equal(result.status.updated, 1);
    });

    it('completes at once with no tenant to move', () => {
      const result = planFor({ version: '2.0.0', selector: { plans: ['nobody'] } }, sampleFleet());
      assert.equal(result.status.phase, 'Completed');
      assert.equal(result.status.total, 0);
    });

    it('moves no one once completed for its spec, so an old rollout never fights a newer one', () => {
      const { rollout: done, tenants } = simulate(rollout({ version: '2.0.0' }), [fleetTenant('a1')]);
      const joined = [...tenants, fleetTenant('a2')];
      const later = planRollout({ rollout: done, rollouts: [done], tenants: joined, now: secondsLater(start, 60) });
      assert.deepEqual(later.patches, []);
      assert.equal(later.status.phase, 'Completed');
      assert.match(later.status.message ?? '', /Completed; 1 of 2 tenants do not run 2\.0\.0 now/);
      // Editing the rollout (a new generation) moves the newcomer.
      const edited = { ...done, metadata: { ...done.metadata, generation: 2 } };
      assert.deepEqual(names(planRollout({ rollout: edited, rollouts: [edited], tenants: joined, now: start }).patches), ['a2']);
    });
  });

  describe('pins and selection', () => {
    it('never moves a pinned tenant, and counts it as pinned rather than in the total', () => {
      const { steps } = simulate(rollout({ version: '2.0.0', maxConcurrent: 100 }), sampleFleet());
      const moved = steps.flatMap((step) => names(step.plan.patches));
      assert.ok(!moved.includes('p1') && !moved.includes('p2'), moved.join());
      assert.equal(steps[0]?.plan.status.pinned, 2);
      assert.equal(steps[0]?.plan.status.total, 9);
    });

    it('moves only the tenants of the selected plans', () => {
      const { steps } = simulate(rollout({ version: '2.0.0', maxConcurrent: 100, selector: { plans: ['enterprise'] } }), sampleFleet());
      assert.deepEqual(steps.flatMap((step) => names(step.plan.patches)).sort(), ['c2', 'e1', 'e2', 'e3']);
    });

    it('leaves a tenant being deleted alone', () => {
      const leaving = fleetTenant('a1');
      leaving.tenant.metadata.deletionTimestamp = '2025-03-01T11:59:00Z';
      assert.deepEqual(names(planFor({ version: '2.0.0' }, [leaving, fleetTenant('a2')]).patches), ['a2']);
    });
  });

  describe('recording the version before', () => {
    it('records the plan version, or the version an earlier rollout asked for, the first time it moves a tenant', () => {
      const tenants = [
        fleetTenant('a1'),
        fleetTenant('a2', { annotations: { [appVersionAnnotation]: '1.5.0', [rolloutAnnotation]: 'to-1.5' } }),
      ];
      const result = planFor({ version: '2.0.0' }, tenants);
      assert.deepEqual(result.patches, [
        { tenant: 'a1', resourceVersion: '100', version: '2.0.0', movedBy: 'to-2', previousVersion: '1.0.0' },
        { tenant: 'a2', resourceVersion: '100', version: '2.0.0', movedBy: 'to-2', previousVersion: '1.5.0' },
      ]);
    });

    it('keeps the first record when the same rollout moves a tenant again (after a version change)', () => {
      const moved = fleetTenant('a1', {
        annotations: { [appVersionAnnotation]: '2.0.0', [rolloutAnnotation]: 'to-2', [previousAppVersionAnnotation]: '1.0.0' },
      });
      const [patch] = planFor({ version: '2.0.1' }, [moved]).patches;
      assert.equal(patch?.previousVersion, undefined);
      assert.equal(patch?.version, '2.0.1');
    });
  });
});
