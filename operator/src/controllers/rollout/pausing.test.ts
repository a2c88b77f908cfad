/** planRollout holding tenants back: health deadlines, resuming, spec.paused and one active Rollout. */
import assert from 'node:assert/strict';
import { Reason } from '../../api/conditions.js';
import { appVersionAnnotation, resumeAnnotation, type Rollout } from '../../api/rollout.js';
import type { FleetTenant } from './fleet.js';
import { planRollout, pollIntervalMs } from './planner.js';
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
  withAppDeployed,
  withStatus,
} from './test-fixtures.js';

describe('planRollout pausing', () => {
  describe('the health deadline', () => {
    const spec = { version: '2.0.0', maxConcurrent: 2, healthDeadlineSeconds: 60 };

    /** Canaries moved at `start`, c1 healthy, c2 stuck with pods not ready. */
    function oneCanaryStuck(): { subject: Rollout; tenants: FleetTenant[] } {
      const first = planFor(spec, sampleFleet());
      let tenants = deployRequested(applyPatches(sampleFleet(), first), ['c1']);
      tenants = tenants.map((entry) =>
        entry.tenant.metadata.name === 'c2'
          ? withAppDeployed(entry, { status: 'False', reason: Reason.Progressing, message: '0 of 2 pods are ready' })
          : entry,
      );
      return { subject: rollout(spec, { status: first.status }), tenants };
    }

    it('keeps waiting while the deadline has not passed, and asks to look again before it does', () => {
      const { subject, tenants } = oneCanaryStuck();
      const result = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 58) });
      assert.equal(result.status.phase, 'Progressing');
      assert.deepEqual(names(result.status.upgrading ?? []), ['c2']);
      assert.equal(result.requeueAfterMs, 2_000);
      const early = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 1) });
      assert.equal(early.requeueAfterMs, pollIntervalMs);
    });

    it('pauses when a tenant is not healthy by its deadline, naming it and what its AppDeployed condition says', () => {
      const { subject, tenants } = oneCanaryStuck();
      const result = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 60) });
      assert.equal(result.status.phase, 'Paused');
      assert.equal(result.status.reason, 'TenantUnhealthy');
      assert.deepEqual(result.status.failed, [{ tenant: 'c2', version: '2.0.0', reason: 'Progressing', message: '0 of 2 pods are ready' }]);
      assert.deepEqual(result.status.upgrading, []);
      assert.deepEqual(result.patches, []);
      assert.match(result.status.message ?? '', /c2 \(Progressing: 0 of 2 pods are ready\)/);
      assert.match(result.status.message ?? '', /bulkhead\.dev\/resume/);
      assert.equal(result.status.conditions?.find((condition) => condition.type === 'Paused')?.reason, 'TenantUnhealthy');
    });

    it('stays paused, leaving the tenants not moved on their version, until resumed', () => {
      const { subject, tenants } = oneCanaryStuck();
      const paused = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 60) });
      const later = withStatus(subject, paused);
      for (const seconds of [120, 3600]) {
        const again = planRollout({ rollout: later, rollouts: [later], tenants, now: secondsLater(start, seconds) });
        assert.deepEqual(again.patches, []);
        assert.equal(again.status.phase, 'Paused');
        assert.deepEqual(again.status, { ...paused.status });
      }
      for (const name of ['a1', 'e1'])
        assert.equal(tenantNamed(tenants, name).tenant.metadata.annotations?.[appVersionAnnotation], undefined);
    });

    it('says DeadlineExceeded when the tenant controller has not even started the new version', () => {
      const first = planFor(spec, sampleFleet());
      const tenants = applyPatches(sampleFleet(), first);
      const subject = rollout(spec, { status: first.status });
      const result = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 61) });
      assert.deepEqual(
        result.status.failed?.map((entry) => entry.reason),
        ['DeadlineExceeded', 'DeadlineExceeded'],
      );
      assert.match(result.status.failed?.[0]?.message ?? '', /runs 1\.0\.0, not 2\.0\.0/);
    });

    it('counts a tenant healthy only when AppDeployed describes its current generation', () => {
      const stale = fleetTenant('a1', {
        annotations: { [appVersionAnnotation]: '2.0.0' },
        runs: '2.0.0',
        generation: 3,
        appDeployed: { status: 'True', reason: Reason.Reconciled, message: 'ok', observedGeneration: 2 },
      });
      const result = planFor({ version: '2.0.0' }, [stale]);
      assert.equal(result.status.updated, 0);
      assert.deepEqual(names(result.status.upgrading ?? []), ['a1']);
    });

    it('starts the clock from now for a moved tenant whose start time was lost', () => {
      const moved = fleetTenant('a1', { annotations: { [appVersionAnnotation]: '2.0.0' } });
      const result = planFor({ version: '2.0.0', healthDeadlineSeconds: 10 }, [moved], {}, secondsLater(start, 500));
      assert.deepEqual(result.status.upgrading, [{ tenant: 'a1', version: '2.0.0', since: '2025-03-01T12:08:20Z' }]);
      assert.equal(result.status.phase, 'Progressing');
    });
  });

  describe('resuming', () => {
    const spec = { version: '2.0.0', maxConcurrent: 2, healthDeadlineSeconds: 60 };

    function pausedOnCanaries(): { subject: Rollout; tenants: FleetTenant[] } {
      const first = planFor(spec, sampleFleet());
      const tenants = applyPatches(sampleFleet(), first).map((entry) =>
        ['c1', 'c2'].includes(entry.tenant.metadata.name)
          ? withAppDeployed(entry, { status: 'False', reason: Reason.RenderFailed, message: 'helm refused' })
          : entry,
      );
      const moved = rollout(spec, { status: first.status });
      const paused = planRollout({ rollout: moved, rollouts: [moved], tenants, now: secondsLater(start, 60) });
      assert.equal(paused.status.phase, 'Paused');
      return { subject: withStatus(moved, paused), tenants };
    }

    it('on a new resume token, clears the failures and checks the failed tenants again from now, before anyone else', () => {
      const { subject, tenants } = pausedOnCanaries();
      const resumed: Rollout = { ...subject, metadata: { ...subject.metadata, annotations: { [resumeAnnotation]: 'fixed' } } };
      const now = secondsLater(start, 300);
      const result = planRollout({ rollout: resumed, rollouts: [resumed], tenants, now });
      assert.equal(result.status.phase, 'Progressing');
      assert.deepEqual(result.status.failed, []);
      assert.deepEqual(result.status.upgrading, [
        { tenant: 'c1', version: '2.0.0', since: '2025-03-01T12:05:00Z' },
        { tenant: 'c2', version: '2.0.0', since: '2025-03-01T12:05:00Z' },
      ]);
      assert.deepEqual(result.patches, []);
      assert.equal(result.status.resumeToken, 'fixed');
      // The token is now recorded: the same token does not resume a second time.
      const recorded = withStatus(resumed, result);
      const again = withStatus(recorded, planRollout({ rollout: recorded, rollouts: [recorded], tenants, now: secondsLater(now, 60) }));
      assert.equal(again.status?.phase, 'Paused');
      assert.equal(planRollout({ rollout: again, rollouts: [again], tenants, now: secondsLater(now, 120) }).status.phase, 'Paused');
    });

    it('continues once the resumed tenants are healthy', () => {
      const { subject, tenants } = pausedOnCanaries();
      const resumed: Rollout = { ...subject, metadata: { ...subject.metadata, annotations: { [resumeAnnotation]: '1' } } };
      const fixed = deployRequested(
        tenants.map((entry) => withAppDeployed(entry, { status: 'True', reason: Reason.Reconciled, message: 'ok' })),
        ['c1', 'c2'],
      );
      const result = planRollout({ rollout: resumed, rollouts: [resumed], tenants: fixed, now: secondsLater(start, 300) });
      assert.deepEqual(names(result.patches), ['a1', 'a2']);
    });

    it('on a new spec.version, forgets the failures of the old one and moves the failed tenants first', () => {
      const { subject, tenants } = pausedOnCanaries();
      const fixed: Rollout = { ...subject, metadata: { ...subject.metadata, generation: 2 }, spec: { ...subject.spec, version: '2.0.1' } };
      const result = planRollout({ rollout: fixed, rollouts: [fixed], tenants, now: secondsLater(start, 300) });
      assert.equal(result.status.phase, 'Progressing');
      assert.deepEqual(result.status.failed, []);
      assert.deepEqual(names(result.patches), ['c1', 'c2']);
      assert.ok(result.patches.every((patch) => patch.version === '2.0.1' && patch.previousVersion === undefined));
    });

    it('keeps the failures when only spec.paused is toggled', () => {
      const { subject, tenants } = pausedOnCanaries();
      const toggled: Rollout = { ...subject, metadata: { ...subject.metadata, generation: 3 } };
      const result = planRollout({ rollout: toggled, rollouts: [toggled], tenants, now: secondsLater(start, 300) });
      assert.equal(result.status.reason, 'TenantUnhealthy');
    });
  });

  describe('spec.paused', () => {
    it('starts no one, keeps watching the tenants in flight, and says why', () => {
      const first = planFor({ version: '2.0.0' }, sampleFleet());
      const tenants = deployRequested(applyPatches(sampleFleet(), first), ['c1', 'c2']);
      const subject = rollout({ version: '2.0.0', paused: true }, { status: first.status, generation: 2 });
      const result = planRollout({ rollout: subject, rollouts: [subject], tenants, now: secondsLater(start, 5) });
      assert.deepEqual(result.patches, []);
      assert.equal(result.status.phase, 'Paused');
      assert.equal(result.status.reason, 'PausedBySpec');
      assert.equal(result.status.updated, 2);
    });
  });

  describe('another active rollout', () => {
    it('waits while an older rollout is unfinished, naming it', () => {
      const older = rollout({ version: '1.5.0' }, { name: 'to-1.5', created: '2025-03-01T10:00:00Z' });
      const newer = rollout({ version: '2.0.0' }, { name: 'to-2', created: '2025-03-01T11:00:00Z' });
      const result = planRollout({ rollout: newer, rollouts: [older, newer], tenants: sampleFleet(), now: start });
      assert.deepEqual(result.patches, []);
      assert.equal(result.status.phase, 'Paused');
      assert.equal(result.status.reason, 'AnotherRolloutActive');
      assert.match(result.status.message ?? '', /to-1\.5/);
      assert.notEqual(planRollout({ rollout: older, rollouts: [older, newer], tenants: sampleFleet(), now: start }).patches.length, 0);
    });

    it('goes ahead once the older rollout has completed or rolled back', () => {
      for (const phase of ['Completed', 'RolledBack'] as const) {
        const older = rollout(
          { version: '1.5.0' },
          { name: 'to-1.5', created: '2025-03-01T10:00:00Z', status: { phase, observedGeneration: 1 } },
        );
        const newer = rollout({ version: '2.0.0' }, { name: 'to-2' });
        assert.deepEqual(
          names(planRollout({ rollout: newer, rollouts: [older, newer], tenants: sampleFleet(), now: start }).patches),
          ['c1', 'c2'],
          phase,
        );
      }
    });

    it('breaks a tie of creation times by name', () => {
      const first = rollout({ version: '1.5.0' }, { name: 'a' });
      const second = rollout({ version: '2.0.0' }, { name: 'b' });
      assert.equal(
        planRollout({ rollout: second, rollouts: [second, first], tenants: sampleFleet(), now: start }).status.reason,
        'AnotherRolloutActive',
      );
    });
  });
});
