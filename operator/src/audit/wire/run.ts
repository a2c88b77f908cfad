/**
 * Runs the probes: every site's listening pod first (all at once, a bounded number of requests in
 * flight), then the trying pods, at most `concurrency` alive at a time, each trying every listener
 * on every port; then every probe pod is deleted, whatever happened (also when the run is aborted:
 * the deletes use a client without the run's signal). A pod that does not come up in time leaves
 * its attempts unknown; nothing here decides a verdict from an absence.
 */
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../runtime/types.js';
import { mapBounded } from '../data/bounded.js';
import type { Listener, Observation, ProbePlan, ProbeSite } from './model.js';
import { applyControls, rawAttempts, targetsFor, type TryingResult } from './outcome.js';
import {
  defaultProbePodSettings,
  listenerDeadlineSeconds,
  listenerName,
  listenerPod,
  tryingName,
  tryingPod,
  type ProbePodSettings,
} from './pods.js';
import { errorMessage } from '../../runtime/errors.js';

export interface ProbeRunOptions {
  /** Creates, reads and deletes the probe pods; tied to `signal` where the caller aborts the run. */
  client: KubeClient;
  /** For the deletes only: a client whose requests the run's abort does not cancel. */
  cleanupClient: KubeClient;
  plan: ProbePlan;
  /** Trying pods alive at once (each opens one connection per listener and port). */
  concurrency: number;
  settings?: ProbePodSettings;
  /** How long a listener may take to run, and a trying pod to finish. */
  startTimeoutMs?: number;
  fieldManager: string;
  now?: () => Date;
  signal?: AbortSignal;
}

interface PodState extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { state?: { terminated?: { exitCode?: number; message?: string; reason?: string } } }[];
  };
}

const pollMs = 1000;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Polls the pod until `done` says what became of it, the time is up, or the run is aborted. */
async function until<T>(
  options: ProbeRunOptions,
  ref: { namespace: string; name: string },
  done: (pod: PodState | undefined) => T | undefined,
): Promise<T | string> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  while (Date.now() < deadline && !options.signal?.aborted) {
    const pod = await options.client.get<PodState>({ apiVersion: 'v1', kind: 'Pod', ...ref });
    const outcome = done(pod);
    if (outcome !== undefined) return outcome;
    await sleep(pollMs, options.signal);
  }
  return options.signal?.aborted ? 'the audit was stopped' : `not ready within ${(options.startTimeoutMs ?? 120_000) / 1000} s`;
}

const stopped = (live: PodState | undefined): string => `stopped (${live?.status?.phase ?? 'deleted'})`;

/** Running with an address, stopped (a reason), or not yet (undefined). */
function listenerState(live: PodState | undefined): { address: string } | string | undefined {
  const status = live?.status;
  if (status?.phase === 'Running' && status.podIP) return { address: status.podIP };
  if (live === undefined || status?.phase === 'Succeeded' || status?.phase === 'Failed') return stopped(live);
  return undefined;
}

/** Finished with its termination message, failed (a reason), or not yet (undefined). */
function tryingState(live: PodState | undefined): { message: string } | string | undefined {
  if (live === undefined) return stopped(live);
  const terminated = (live.status?.containerStatuses ?? [])[0]?.state?.terminated;
  if (terminated)
    return terminated.exitCode === 0
      ? { message: String(terminated.message) }
      : `exited with ${String(terminated.exitCode)} (${String(terminated.reason)})`;
  return live.status?.phase === 'Failed' ? stopped(live) : undefined;
}

async function startListener(options: ProbeRunOptions, site: ProbeSite, created: KubeObject[]): Promise<Listener> {
  const settings = options.settings ?? defaultProbePodSettings;
  const rounds = Math.ceil(options.plan.sites.length / options.concurrency);
  const deadlineSeconds = listenerDeadlineSeconds(settings, rounds, (options.startTimeoutMs ?? 120_000) / 1000);
  const pod = listenerPod(site, options.plan.runId, options.plan.ports, { ...settings, deadlineSeconds });
  const listener = { namespace: site.namespace, pod: pod.metadata.name, labels: pod.metadata.labels ?? {} };
  try {
    await options.client.create(pod, { fieldManager: options.fieldManager });
    created.push(pod);
  } catch (error) {
    return { ...listener, problem: `could not be created: ${errorMessage(error)}` };
  }
  const outcome = await until(options, { namespace: site.namespace, name: pod.metadata.name }, listenerState);
  return typeof outcome === 'string' ? { ...listener, problem: outcome } : { ...listener, ...outcome };
}

async function runTrying(
  options: ProbeRunOptions,
  site: ProbeSite,
  listeners: readonly Listener[],
  created: KubeObject[],
): Promise<TryingResult & { address?: string }> {
  const settings = options.settings ?? defaultProbePodSettings;
  const pod = tryingPod(site, options.plan.runId, targetsFor(options.plan, listeners), settings);
  try {
    await options.client.create(pod, { fieldManager: options.fieldManager });
    created.push(pod);
  } catch (error) {
    return { namespace: site.namespace, problem: `could not be created: ${errorMessage(error)}` };
  }
  let address: string | undefined;
  const outcome = await until(options, { namespace: site.namespace, name: pod.metadata.name }, (live) => {
    address = live?.status?.podIP ?? address;
    return tryingState(live);
  });
  const result = typeof outcome === 'string' ? { namespace: site.namespace, problem: outcome } : { namespace: site.namespace, ...outcome };
  // Done with it: free its slot on the node before the next trying pod starts.
  await deletePod(options.cleanupClient, pod);
  return address ? { ...result, address } : result;
}

async function deletePod(client: KubeClient, pod: KubeObject): Promise<void> {
  await client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name }).catch(() => false);
}

/** Probes every ordered pair of the plan's sites on its ports; the probe pods are gone when it returns. */
export async function runProbes(options: ProbeRunOptions): Promise<Omit<Observation, 'plan'> & { plan: ProbePlan }> {
  const now = options.now ?? (() => new Date());
  const { plan } = options;
  const created: KubeObject[] = [];
  const startedAt = now().toISOString();
  try {
    const listeners = await mapBounded(plan.sites, options.concurrency, (site) => startListener(options, site, created));
    const results = await mapBounded(plan.sites, options.concurrency, (site) => runTrying(options, site, listeners, created));
    const tryingAddresses = Object.fromEntries(results.flatMap((result) => (result.address ? [[result.namespace, result.address]] : [])));
    return {
      plan,
      startedAt,
      finishedAt: now().toISOString(),
      listeners,
      tryingAddresses,
      attempts: applyControls(rawAttempts(plan, listeners, results)),
    };
  } finally {
    await mapBounded(created, options.concurrency, (pod) => deletePod(options.cleanupClient, pod));
  }
}

export const probePodNames = { listener: listenerName, trying: tryingName };
