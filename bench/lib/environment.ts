/**
 * A fresh test environment per benchmark or chaos run (kube-apiserver, etcd, PostgreSQL, moto),
 * in bench/tmp, prepared like the operator specs prepare theirs: CRDs, test charts, example plans
 * and the operator's namespace. Each run starts clean so one size never pays for another's leftovers.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../testenv/src/crds.js';
import { readEnvironment, startEnvironment, stopEnvironment, stopProcesses, type Environment } from '../../testenv/src/environment.js';
import type { ManagedProcess } from '../../testenv/src/processes.js';
import { packageTestCharts } from '../../operator/test/support/charts.js';
import { kubeConfig, repoRoot } from '../../operator/test/support/cluster.js';
import { prepareOperatorNamespace } from '../../operator/test/support/operator-process.js';
import { applyExamplePlans } from '../../operator/test/support/tenants.js';
import { benchRun } from './run-guard.js';

export const benchTmp = join(repoRoot, 'bench', 'tmp');

/** How long a stopped run's body may take to stop what it started (an operator: 15 s, then SIGKILL) before its servers go. */
const bodyStopGraceMs = 20_000;

/**
 * Runs `body` against a new environment and always stops it (reading back restarted components).
 * When the run stops early (benchRun()), a start under way is cut short by stopping the servers
 * it spawned (startStopping), the preparation or the body gets a moment to stop what it started
 * (its operator), then the environment stops; a second Ctrl-C stops the servers started so far at once.
 */
export async function withEnvironment<T>(label: string, body: (env: Environment, kc: k8s.KubeConfig) => Promise<T>): Promise<T> {
  const run = benchRun();
  run.signal.throwIfAborted();
  const dir = join(benchTmp, `env-${process.pid}-${label}`);
  const processes: ManagedProcess[] = [];
  let started: Environment | undefined;
  const stop = async (): Promise<void> => {
    const env = readEnvironment(dir) ?? started;
    await (env ? stopEnvironment(env) : stopProcesses(processes));
  };
  const forget = run.onForcedExit(stop);
  try {
    run.enter(`starting the environment ${label}`);
    const env = (started = await startStopping(dir, processes));
    process.env.BULKHEAD_TEST_ENVIRONMENT = dir;
    const kc = kubeConfig(env.kubeconfig);
    run.enter(`preparing the environment ${label}`);
    await raceWithGrace(prepare(env, kc));
    run.enter(`running ${label}`);
    return await raceWithGrace(body(env, kc));
  } finally {
    run.enter(`stopping the environment ${label}`);
    // Kept for a second Ctrl-C until the stop is done: exiting at once mid-stop would leave the rest running.
    await stop().finally(forget);
  }
}

/**
 * Starts the environment; when the run stops meanwhile, stops each server the start has spawned
 * (its servers run detached: no Ctrl-C reaches them), so that the start fails within a moment
 * ("exited before ...") instead of waiting for every server to be up only to stop them.
 */
async function startStopping(dir: string, processes: ManagedProcess[]): Promise<Environment> {
  const { signal } = benchRun();
  const stopStarted = (): void => void stopProcesses(processes);
  signal.addEventListener('abort', stopStarted, { once: true });
  try {
    return await startEnvironment(dir, { processes });
  } finally {
    signal.removeEventListener('abort', stopStarted);
  }
}

/** `work`'s outcome; when the run stops first, its reason once `work` settled or had bodyStopGraceMs to. */
async function raceWithGrace<T>(work: Promise<T>): Promise<T> {
  const run = benchRun();
  return run.race(work).catch(async (error: unknown) => {
    if (run.stopped) await settled(work, bodyStopGraceMs);
    throw error;
  });
}

/** Waits until `work` settles, at most `ms`. */
async function settled(work: Promise<unknown>, ms: number): Promise<void> {
  const grace = new AbortController();
  await Promise.race([work.catch(() => undefined), sleep(ms, undefined, { signal: grace.signal }).catch(() => undefined)]);
  grace.abort();
}

/** CRDs, test charts, example plans and the operator's namespace, as the specs have them. */
async function prepare(env: Environment, kc: k8s.KubeConfig): Promise<void> {
  await installCrds(env);
  await packageTestCharts();
  await applyExamplePlans(kc);
  await prepareOperatorNamespace(kc);
}
