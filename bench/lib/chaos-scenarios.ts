/**
 * The faults of `make chaos`, one function each. Every scenario onboards its own tenants, injects
 * its fault while they are in flight, waits for all of them to be Ready with nobody acting, and
 * ends with the exactly-one-of-everything, no-orphans and nothing-lost check.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startComponent, stopComponent } from '../../testenv/src/faults.js';
import { startOperator, type OperatorProcess } from '../../operator/test/support/operator-process.js';
import { eventually } from '../../operator/test/support/cluster.js';
import { finalCheck, reasonsOf, type ChaosContext, type ScenarioResult } from './chaos-context.js';
import { scrape } from './operator-metrics.js';
import { createTenants, tenantNames } from './tenants.js';

const readyTimeout = (n: number): number => 180_000 + n * 3_000;

async function onboard(context: ChaosContext, prefix: string, n: number): Promise<string[]> {
  const names = tenantNames(prefix, n);
  for (const [name, at] of await createTenants(context.client, names)) context.tracker.expect(name, at);
  return names;
}

/** Resolves once any of the names has its guardrails in place: the onboarding is under way. */
async function underWay(context: ChaosContext, names: string[]): Promise<void> {
  await eventually(
    'onboarding to be under way',
    () => Promise.resolve(names.some((name) => context.tracker.times.get(name)?.guardrails !== undefined) || undefined),
    60_000,
  );
}

interface Measured {
  scenario: string;
  names: string[];
  timings: Record<string, number>;
  notes?: string[];
}

async function result(context: ChaosContext, { scenario, names, timings, notes = [] }: Measured): Promise<ScenarioResult> {
  return { scenario, tenants: names.length, timings, reasonsSeen: reasonsOf(context, names), problems: await finalCheck(context), notes };
}

/** kill -9 at random moments (0.5 to 5 s apart) while n tenants are onboarded. */
export async function killRepeatedly(context: ChaosContext, n: number, kills: number): Promise<ScenarioResult> {
  const names = await onboard(context, 'kill', n);
  const start = Date.now();
  for (let i = 0; i < kills; i++) {
    await sleep(500 + Math.random() * 4_500);
    await context.operator.kill();
  }
  const lastKill = Date.now();
  await context.tracker.waitReady(names, readyTimeout(n));
  return result(context, {
    scenario: `kill -9 the operator ${kills} times while ${n} tenants are onboarded`,
    names,
    timings: { killsOverMs: lastKill - start, lastKillToAllReadyMs: Date.now() - lastKill },
  });
}

/** Stops a component for downMs while n tenants are onboarded, then starts it again. */
async function restartDuringOnboarding(
  context: ChaosContext,
  component: string,
  n: number,
  downMs: number,
): Promise<{ names: string[]; timings: Record<string, number> }> {
  const names = await onboard(context, component.replace(/[^a-z]/g, '').slice(0, 8), n);
  await underWay(context, names);
  const stopped = await stopComponent(context.env, component);
  const down = Date.now();
  await sleep(downMs);
  startComponent(context.env, stopped);
  const up = Date.now();
  await context.tracker.waitReady(names, readyTimeout(n));
  return { names, timings: { downMs: up - down, restartToAllReadyMs: Date.now() - up } };
}

export async function restartApiServer(context: ChaosContext, n: number, downMs: number): Promise<ScenarioResult> {
  const exitsBefore = context.operator.selfExits;
  const { names, timings } = await restartDuringOnboarding(context, 'kube-apiserver', n, downMs);
  const exits = context.operator.selfExits - exitsBefore;
  return result(context, {
    scenario: `kube-apiserver down ${downMs / 1000} s mid-onboarding of ${n} tenants`,
    names,
    timings,
    notes: [`the operator exited by itself ${exits} time(s) (lease not renewable) and was restarted by the supervisor, as a kubelet would`],
  });
}

export async function restartPostgres(context: ChaosContext, n: number, downMs: number): Promise<ScenarioResult> {
  const { names, timings } = await restartDuringOnboarding(context, 'postgres', n, downMs);
  return result(context, { scenario: `PostgreSQL down ${downMs / 1000} s mid-onboarding of ${n} tenants`, names, timings });
}

/** The KMS emulator unreachable (connections refused) for outageMs while n tenants are onboarded. */
export async function kmsOutage(context: ChaosContext, n: number, outageMs: number): Promise<ScenarioResult> {
  await context.kms.cut();
  const cut = Date.now();
  const names = await onboard(context, 'kmsout', n);
  const shown = await context.tracker.waitReason('EncryptionKeyReady', 'KeyProviderUnavailable', outageMs);
  const reported = Date.now() - cut;
  await sleep(Math.max(0, outageMs - (Date.now() - cut)));
  await context.kms.restore();
  const restored = Date.now();
  await context.tracker.waitReady(names, readyTimeout(n));
  return result(context, {
    scenario: `KMS unreachable ${outageMs / 1000} s while ${n} tenants are onboarded`,
    names,
    timings: { cutToConditionMs: reported, restoreToAllReadyMs: Date.now() - restored },
    notes: [`first reported by ${shown}`],
  });
}

async function leaseHolder(context: ChaosContext): Promise<string | undefined> {
  const lease = await context.client.get<{ metadata: { name: string }; spec?: { holderIdentity?: string } }>({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    namespace: 'bulkhead-system',
    name: 'bulkhead-operator',
  });
  return lease?.spec?.holderIdentity;
}

/**
 * Leader failover under load: a second replica stands by while n tenants are onboarded; the
 * leader is stopped (SIGKILL: the lease must expire; SIGTERM: it is released) and the time until
 * the standby leads and reconciles is measured.
 */
export async function leaderFailover(context: ChaosContext, n: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<ScenarioResult> {
  const leader = context.operator;
  await eventually(
    'the supervised operator to lead',
    async () => (await leaseHolder(context)) === leader.current.identity || undefined,
    60_000,
  );
  const standby: OperatorProcess = startOperator({ logLevel: 'info', ...context.operator.settings });
  try {
    const standbyUrl = await standby.metricsUrl();
    const names = await onboard(context, `fail${signal === 'SIGKILL' ? 'k' : 't'}`, n);
    await underWay(context, names);
    const stopped = Date.now();
    if (signal === 'SIGKILL') await leader.stop({ kill: true });
    else await leader.stop();
    await eventually('the standby to lead', async () => (await leaseHolder(context)) === standby.identity || undefined, 120_000);
    const leads = Date.now() - stopped;
    await eventually('the standby to reconcile', async () => (await scrape(standbyUrl)).tenantReconciles > 0 || undefined, 120_000);
    const reconciles = Date.now() - stopped;
    await context.tracker.waitReady(names, readyTimeout(n));
    return await result(context, {
      scenario: `leader stopped with ${signal} while ${n} tenants are onboarded`,
      names,
      timings: { stopToStandbyLeadsMs: leads, stopToStandbyReconcilesMs: reconciles, stopToAllReadyMs: Date.now() - stopped },
      notes: ['lease duration 4 s, renew deadline 3 s, retry period 1 s (the test settings; the defaults are 15/10/2 s)'],
    });
  } finally {
    // The standby becomes the supervised operator's successor: stop it and let the supervisor lead again.
    await standby.stop();
    leader.resume();
  }
}
