/**
 * Fleet rollouts against the real control plane, with the real tenant controller deploying the
 * real chart (pods made Ready by KWOK): 20 tenants move to a new version in waves, canaries
 * first, never more than maxConcurrent at once; a version whose pods never become Ready pauses the
 * rollout after the canaries and leaves everyone else where they were; moving the rollout to a
 * good version completes it; a rollback moves every tenant it touched back.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually, readManifests, repoRoot } from './support/cluster.js';
import { testChartVersions } from './support/charts.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  tenantManifest,
  version,
  waitForReady,
  type TenantObject,
} from './support/tenants.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const fleetLabel = 'bulkhead.dev/test-fleet';
const plans = { early: 'fleet-early', late: 'fleet-late' };
const canaries = ['fleet-01', 'fleet-02'];
const earlyRing = ['fleet-03', 'fleet-04', 'fleet-05', 'fleet-06', 'fleet-07', 'fleet-08', 'fleet-09', 'fleet-10'];
const lateRing = ['fleet-11', 'fleet-12', 'fleet-13', 'fleet-14', 'fleet-15', 'fleet-16', 'fleet-17', 'fleet-18', 'fleet-19'];
const pinned = 'fleet-20';
const moving = [...canaries, ...earlyRing, ...lateRing];
const maxConcurrent = 4;

interface RolloutObject extends k8s.KubernetesObject {
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    total?: number;
    updated?: number;
    pinned?: number;
    upgrading?: { tenant: string; since: string }[];
    failed?: { tenant: string; reason: string; message: string }[];
    versions?: { version: string; count: number }[];
  };
}

/** A TenantPlan like the standard example, with its own name, ring and the current test chart. */
function planManifest(name: string, ring: number): k8s.KubernetesObject {
  const [standard] = readManifests(join(repoRoot, 'crds/examples/plans/standard.yaml')) as (k8s.KubernetesObject & {
    spec: Record<string, unknown>;
  })[];
  const spec = standard!.spec;
  return {
    ...standard,
    metadata: { name },
    spec: { ...spec, app: { ...(spec.app as object), version: testChartVersions.current }, rollout: { ring } },
  } as k8s.KubernetesObject;
}

function fleetManifests(): TenantObject[] {
  const tenant = (name: string, plan: string, extra: { canary?: boolean; spec?: Record<string, unknown> } = {}): TenantObject => {
    const manifest = tenantManifest(name, { plan, ...extra.spec });
    manifest.metadata = { name, labels: { [fleetLabel]: 'true', ...(extra.canary ? { 'bulkhead.dev/canary': 'true' } : {}) } };
    return manifest;
  };
  return [
    // Canaries on the late plan: the label, not the plan, puts them first.
    ...canaries.map((name) => tenant(name, plans.late, { canary: true })),
    ...earlyRing.map((name) => tenant(name, plans.early)),
    ...lateRing.map((name) => tenant(name, plans.late)),
    tenant(pinned, plans.early, { spec: { app: { pinned: true } } }),
  ];
}

function rolloutManifest(name: string, spec: Record<string, unknown>): RolloutObject {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'Rollout',
    metadata: { name },
    spec: { selector: { plans: [plans.early, plans.late] }, maxConcurrent, ...spec },
  };
}

/** Healthy on a version, as the rollout controller judges it: reported, and AppDeployed True now. */
function isHealthyOn(tenant: TenantObject, target: string): boolean {
  const app = (tenant.status as { app?: { version?: string } } | undefined)?.app;
  const deployed = condition(tenant, 'AppDeployed');
  return app?.version === target && deployed?.status === 'True' && deployed.observedGeneration === tenant.metadata?.generation;
}

const requested = (tenant: TenantObject): string | undefined => tenant.metadata?.annotations?.['bulkhead.dev/app-version'];

describe('fleet rollouts', function () {
  // Twenty tenants deployed, moved three times and deleted take longer than one default timeout.
  this.timeout(300_000);
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  const api = () => customObjects(kc);
  const readRollout = async (name: string): Promise<RolloutObject> =>
    (await api().getClusterCustomObject({ group, version, plural: 'rollouts', name })) as RolloutObject;
  const patchRollout = (name: string, body: Record<string, unknown>) =>
    api().patchClusterCustomObject({ group, version, plural: 'rollouts', name, body }, mergePatch);
  const listFleet = async (): Promise<TenantObject[]> =>
    (
      (await api().listClusterCustomObject({ group, version, plural: 'tenants', labelSelector: `${fleetLabel}=true` })) as {
        items: TenantObject[];
      }
    ).items;
  /** Waits for a phase; on timeout the error says where the rollout stood instead. */
  const waitForPhase = (name: string, phase: string, reason?: string, timeoutMs = 120_000): Promise<RolloutObject> =>
    eventually(
      `rollout ${name} to be ${phase}${reason ? `/${reason}` : ''}`,
      async () => {
        const rollout = await readRollout(name);
        if (rollout.status?.phase === phase && (reason === undefined || rollout.status.reason === reason)) return rollout;
        throw new Error(`${rollout.status?.phase}/${rollout.status?.reason}: ${rollout.status?.message}`);
      },
      timeoutMs,
    );

  before(async function () {
    kc = await prepareCluster();
    // installCrds waits for Tenants and TenantPlans to be served; Rollouts were applied with them.
    await eventually('rollouts to be served', () => api().listClusterCustomObject({ group, version, plural: 'rollouts' }));
    await applyObjects(kc, [planManifest(plans.early, 1), planManifest(plans.late, 4)]);
    operator = startOperator();
    await applyObjects(kc, fleetManifests());
    await Promise.all([...moving, pinned].map((name) => waitForReady(kc, name, 180_000)));
  });

  // Each step builds on the fleet the one before left; after a failure the rest would only time out.
  let failedStep: string | undefined;
  beforeEach(function () {
    if (failedStep !== undefined) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failedStep = this.currentTest.title;
  });

  after(async function () {
    for (const name of ['fleet-next', 'fleet-broken', 'fleet-waiting']) {
      await api()
        .deleteClusterCustomObject({ group, version, plural: 'rollouts', name })
        .catch(() => undefined);
    }
    await deleteTenantsAndWait(kc, [...moving, pinned], 180_000).catch(() => undefined);
    await operator?.stop();
  });

  it('moves the fleet in waves, canaries first, never more than maxConcurrent at once, leaving the pinned tenant alone', async function () {
    const target = testChartVersions.next;
    await applyObjects(kc, [rolloutManifest('fleet-next', { version: target, healthDeadlineSeconds: 120 })]);
    await eventually(
      'the operator to report on the Rollout (is createRolloutController wired into operator/src/cli/operator.ts?)',
      async () => (await readRollout('fleet-next')).status?.phase,
      30_000,
    );
    const startedAt = new Map<string, number>();
    const healthyAt = new Map<string, number>();
    // A tenant reported healthy on the target and later not: it would count as upgrading twice.
    const relapsed = new Set<string>();
    let mostUpgrading: string[] = [];
    // Sample the rollout and the tenants until it completes; every list is one consistent snapshot.
    const done = await eventually(
      'fleet-next to complete',
      async () => {
        const rollout = await readRollout('fleet-next');
        const upgrading = rollout.status?.upgrading?.map((entry) => entry.tenant) ?? [];
        if (upgrading.length > mostUpgrading.length) mostUpgrading = upgrading;
        const now = Date.now();
        for (const tenant of await listFleet()) {
          const name = tenant.metadata?.name ?? '';
          const healthy = isHealthyOn(tenant, target);
          if (requested(tenant) === target && !startedAt.has(name)) startedAt.set(name, now);
          if (healthy && !healthyAt.has(name)) healthyAt.set(name, now);
          if (!healthy && healthyAt.has(name)) relapsed.add(name);
        }
        return rollout.status?.phase === 'Completed' ? rollout : undefined;
      },
      240_000,
    );

    assert.ok(
      mostUpgrading.length >= 1 && mostUpgrading.length <= maxConcurrent,
      `at most ${maxConcurrent} upgrading at once, saw ${mostUpgrading.join(', ')} (healthy on ${target}, then not again: ${[...relapsed].join(', ') || 'none'})`,
    );
    const finishedBefore = (earlier: string[], later: string[]): void => {
      const lastFinish = Math.max(...earlier.map((name) => healthyAt.get(name) ?? Infinity));
      const firstStart = Math.min(...later.map((name) => startedAt.get(name) ?? -Infinity));
      assert.ok(lastFinish <= firstStart, `${later.join(',')} started before ${earlier.join(',')} were healthy`);
    };
    finishedBefore(canaries, [...earlyRing, ...lateRing]);
    finishedBefore(earlyRing, lateRing);

    assert.equal(done.status?.total, moving.length);
    assert.equal(done.status?.updated, moving.length);
    assert.equal(done.status?.pinned, 1);
    assert.deepEqual(done.status?.versions, [
      { version: target, count: moving.length },
      { version: testChartVersions.current, count: 1 },
    ]);
    const pinnedTenant = (await listFleet()).find((tenant) => tenant.metadata?.name === pinned);
    assert.equal(requested(pinnedTenant!), undefined, 'the pinned tenant was touched');
  });

  it('pauses after the canaries on a version whose pods never become Ready, leaving everyone else on the old version', async function () {
    await applyObjects(kc, [rolloutManifest('fleet-broken', { version: testChartVersions.broken, healthDeadlineSeconds: 15 })]);
    const paused = await waitForPhase('fleet-broken', 'Paused', 'TenantUnhealthy', 90_000);
    assert.deepEqual(paused.status?.failed?.map((failure) => failure.tenant).sort(), canaries);
    for (const failure of paused.status?.failed ?? []) assert.ok(failure.message, `no message for ${failure.tenant}`);
    assert.match(paused.status?.message ?? '', /bulkhead\.dev\/resume/);

    // Nobody else starts while it is paused.
    await sleep(5_000);
    for (const tenant of await listFleet()) {
      const name = tenant.metadata?.name ?? '';
      if (canaries.includes(name) || name === pinned) continue;
      assert.equal(requested(tenant), testChartVersions.next, `${name} was moved`);
      assert.ok(isHealthyOn(tenant, testChartVersions.next), `${name} is not healthy on ${testChartVersions.next}`);
    }
    assert.equal((await readRollout('fleet-broken')).status?.phase, 'Paused');
  });

  it('makes a second rollout wait while one is active', async function () {
    await applyObjects(kc, [rolloutManifest('fleet-waiting', { version: testChartVersions.current })]);
    const waiting = await waitForPhase('fleet-waiting', 'Paused', 'AnotherRolloutActive', 30_000);
    assert.match(waiting.status?.message ?? '', /fleet-broken/);
    await api().deleteClusterCustomObject({ group, version, plural: 'rollouts', name: 'fleet-waiting' });
  });

  it('completes once the rollout is moved to a version that works, failed canaries first', async function () {
    const fixed = testChartVersions.withoutService;
    await patchRollout('fleet-broken', { spec: { version: fixed, healthDeadlineSeconds: 120 } });
    const done = await waitForPhase('fleet-broken', 'Completed', undefined, 240_000);
    assert.equal(done.status?.updated, moving.length);
    assert.deepEqual(done.status?.failed ?? [], []);
    for (const tenant of await listFleet()) {
      const name = tenant.metadata?.name ?? '';
      if (name === pinned) continue;
      assert.ok(isHealthyOn(tenant, fixed), `${name} is not healthy on ${fixed}`);
      // What each tenant ran before this rollout first moved it, kept across the version change.
      assert.equal(tenant.metadata?.annotations?.['bulkhead.dev/previous-app-version'], testChartVersions.next, name);
    }
  });

  it('rolls every tenant it moved back to the version it ran before', async function () {
    await patchRollout('fleet-broken', { spec: { rollback: true } });
    await waitForPhase('fleet-broken', 'RolledBack', 'RollbackRequested', 30_000);
    await eventually(
      'every moved tenant to run the version before, healthy',
      async () => {
        const fleet = await listFleet();
        return (
          fleet
            .filter((tenant) => moving.includes(tenant.metadata?.name ?? ''))
            .every((tenant) => isHealthyOn(tenant, testChartVersions.next)) || undefined
        );
      },
      180_000,
    );
    const pinnedTenant = (await listFleet()).find((tenant) => tenant.metadata?.name === pinned);
    assert.ok(isHealthyOn(pinnedTenant!, testChartVersions.current), 'the pinned tenant moved');
  });
});
