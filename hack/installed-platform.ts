/**
 * Bulkhead installed on the real node the way a platform engineer installs it: the image built
 * here (hack/image/build-image.ts) and imported into the node's containerd, the product charts in a
 * ConfigMap the operator mounts as its chart repository, then `helm upgrade --install` of
 * charts/bulkhead, so the operator (two replicas, leader election) and the onboarding API run as
 * pods under Pod Security restricted with the chart's RBAC. The API is reached from this machine
 * through `kubectl port-forward` on 127.0.0.1.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { hostCidr } from '../operator/src/api/cidr.js';
import { deploymentProblem } from '../operator/src/resources/release-objects.js';
import type { KubeObject } from '../operator/src/runtime/types.js';
import type { Environment } from '../testenv/src/environment.js';
import { importIntoNode } from '../testenv/src/index.js';
import { repoRoot } from '../testenv/src/paths.js';
import { eventually } from '../testenv/src/poll.js';
import { freePort } from '../testenv/src/processes.js';
import { buildImage, imageRepository, type BuiltImage } from './image/build-image.js';

export const operatorNamespace = 'bulkhead-system';
export const releaseName = 'bulkhead';
/** The chart's Deployment names (fixed, whatever the release is called). */
export const deployments = { operator: 'bulkhead-operator', api: 'bulkhead-api' } as const;
const chartsConfigMap = 'bulkhead-product-charts';

export interface InstallSettings {
  /** The operator's configuration without what the chart sets itself (namespace, health, release paths). */
  operatorConfig: Record<string, unknown>;
  /** Packaged product charts (<chart>-<version>.tgz). */
  chartsDir: string;
  stateDir: string;
  /** The image tag to build and install; default the operator package's version. */
  tag?: string;
}

export interface InstalledPlatform {
  image: BuiltImage;
  /** What it was installed with: `helmInstall(env, settings, tag)` upgrades it to another tag. */
  settings: InstallSettings;
  /** Seconds from `helm upgrade --install` returning to every pod of both Deployments available. */
  availableSeconds: number;
  apiUrl: string;
  /** Where to read the operator's logs. */
  logs: string;
  stop: () => Promise<void>;
}

type Kubectl = (...args: string[]) => string;

/** The chart's values for this environment: the local image, the chart repository, and egress to exactly its servers. */
export function installValues(env: Environment, settings: InstallSettings, tag: string): Record<string, unknown> {
  const apiServer = new URL(env.server);
  const kms = new URL(env.kms.endpoint);
  const to = (address: string): { ipBlock: { cidr: string } }[] => [{ ipBlock: { cidr: hostCidr(address) } }];
  return {
    image: { repository: imageRepository, tag, pullPolicy: 'Never' },
    operator: {
      config: settings.operatorConfig,
      // null removes the chart's default emptyDir (helm merges maps): one volume source only.
      chartRepositoryVolume: { emptyDir: null, configMap: { name: chartsConfigMap } },
    },
    networkPolicy: {
      egress: [
        { to: to(apiServer.hostname), ports: [{ protocol: 'TCP', port: Number(apiServer.port) }] },
        { to: to(env.postgres.host), ports: [{ protocol: 'TCP', port: env.postgres.port }] },
        { to: to(kms.hostname), ports: [{ protocol: 'TCP', port: Number(kms.port) }] },
      ],
    },
  };
}

/** Applies an object kubectl renders, so repeated installs update it instead of failing. */
function applyRendered(kubectl: Kubectl, dir: string, name: string, args: string[]): void {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, kubectl(...args, '--dry-run=client', '-o', 'yaml'), { mode: 0o600 });
  kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
}

/**
 * helm upgrade --install with the values for `tag`: builds that image and imports it into the
 * node first, unless `built` is that image, already imported.
 */
export function helmInstall(env: Environment, settings: InstallSettings, tag: string, built?: BuiltImage): BuiltImage {
  const image = built ?? buildImage({ tag, out: join(settings.stateDir, 'image') });
  if (!built) importIntoNode(env, image.archive);
  const valuesFile = join(settings.stateDir, 'bulkhead-values.yaml');
  writeFileSync(valuesFile, stringify(installValues(env, settings, tag)), { mode: 0o600 });
  execFileSync(
    env.helm,
    [
      'upgrade',
      '--install',
      releaseName,
      join(repoRoot, 'charts/bulkhead'),
      '--namespace',
      operatorNamespace,
      '--kubeconfig',
      env.kubeconfig,
      '--values',
      valuesFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return image;
}

/** Waits until each Deployment has rolled out: its latest spec observed, every replica updated and available, no old ones left. */
export async function rolledOut(kubectl: Kubectl, names: string[], timeoutMs = 240_000): Promise<void> {
  for (const name of names) {
    await eventually(
      `Deployment ${operatorNamespace}/${name} to roll out`,
      () =>
        deploymentProblem(JSON.parse(kubectl('get', 'deployment', name, '-n', operatorNamespace, '-o', 'json')) as KubeObject) ===
        undefined,
      timeoutMs,
      1_000,
    );
  }
}

/** What one /healthz asked through the forward came back with. */
export type ForwardProbe = 'ok' | 'slow' | 'broken';

/**
 * When to replace a forward, from its last probes. A forward bound to a pod that is gone answers at
 * once with a closed or refused connection ('broken'); a forward on a busy machine answers late
 * ('slow': the probe's timeout), and killing it then breaks every request in flight through it for
 * nothing. So two broken probes in a row replace it, and only a forward silent for six probes in a
 * row (a minute and more) is taken for dead; each kind counts only in a row.
 */
export class ForwardWatch {
  static readonly brokenLimit = 2;
  static readonly slowLimit = 6;
  private broken = 0;
  private slow = 0;

  /** Records a probe; true when the forward should be replaced (and the counts start over). */
  replaceAfter(probe: ForwardProbe): boolean {
    if (probe === 'ok') [this.broken, this.slow] = [0, 0];
    else if (probe === 'slow') [this.broken, this.slow] = [0, this.slow + 1];
    else [this.broken, this.slow] = [this.broken + 1, 0];
    const replace = this.broken >= ForwardWatch.brokenLimit || this.slow >= ForwardWatch.slowLimit;
    if (replace) this.reset();
    return replace;
  }

  reset(): void {
    [this.broken, this.slow] = [0, 0];
  }
}

/**
 * `kubectl port-forward` to the API's Service on a free loopback port, kept up for as long as the
 * platform runs. A forward is bound to the one pod it picked: when that pod goes (an upgrade, a
 * rollback, an uninstall and reinstall) kubectl may exit, or stay up and close every connection.
 * So /healthz is asked through it every two seconds; a forward that exited is started again, and
 * one that ForwardWatch judges gone is replaced on the same port. Each replacement and its reason
 * go to install/port-forward.log in the state directory. Resolves once /healthz answers.
 */
async function forwardApi(env: Environment, stateDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = join(stateDir, 'install', 'port-forward.log');
  const note = (line: string): void => appendFileSync(log, `${new Date().toISOString()} ${line}\n`);
  let child: ChildProcess | undefined;
  let stopped = false;
  const watch = new ForwardWatch();
  const start = (): void => {
    watch.reset();
    child = spawn(
      env.kubectl,
      [
        '--kubeconfig',
        env.kubeconfig,
        'port-forward',
        '-n',
        operatorNamespace,
        `svc/${deployments.api}`,
        `--address=127.0.0.1`,
        `${port}:80`,
      ],
      { stdio: 'ignore' },
    );
    note(`kubectl port-forward started (pid ${child.pid ?? '?'}) on ${url}`);
  };
  const probe = async (): Promise<ForwardProbe> => {
    try {
      return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) })).ok ? 'ok' : 'broken';
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'slow' : 'broken';
    }
  };
  const hasExited = (process: ChildProcess): boolean => process.exitCode !== null || process.signalCode !== null;
  const check = async (): Promise<void> => {
    const current = child!;
    const exited = hasExited(current);
    const result = await probe();
    if (stopped) return; // stopped while asking: start nothing that would outlive the platform
    if (exited) {
      note(`kubectl port-forward exited (${String(current.exitCode ?? current.signalCode)}); starting another`);
      start();
    } else if (watch.replaceAfter(result)) {
      note(
        `replacing kubectl port-forward (pid ${String(current.pid)}): /healthz ${result === 'slow' ? 'timed out' : 'failed'} too many times in a row`,
      );
      current.kill('SIGTERM'); // the next check starts a new one
    }
  };
  start();
  void (async () => {
    // Unref'd: the watch never keeps the process alive by itself.
    while (!stopped) {
      await sleep(2_000, undefined, { ref: false });
      await check();
    }
  })();
  await eventually(
    'the onboarding API to answer through kubectl port-forward',
    () => probe().then((result) => result === 'ok' || undefined),
    60_000,
    500,
  );
  return {
    url,
    stop: async () => {
      stopped = true;
      if (child) await terminate(child);
    },
  };
}

/** SIGTERM to a child process, resolved once it has exited (at once if it already has). */
export async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function installBulkhead(
  env: Environment,
  kubectl: Kubectl,
  settings: InstallSettings & { trailUrl: string },
): Promise<InstalledPlatform> {
  const dir = join(settings.stateDir, 'install');
  mkdirSync(dir, { recursive: true });
  applyRendered(kubectl, dir, 'charts', [
    'create',
    'configmap',
    chartsConfigMap,
    '-n',
    operatorNamespace,
    `--from-file=${settings.chartsDir}`,
  ]);
  // From a file, so the database password never appears in a process list.
  const urlFile = join(dir, 'audit-trail-url');
  writeFileSync(urlFile, settings.trailUrl, { mode: 0o600 });
  applyRendered(kubectl, dir, 'audit-trail', [
    'create',
    'secret',
    'generic',
    'bulkhead-api-audit-trail',
    '-n',
    operatorNamespace,
    `--from-file=url=${urlFile}`,
  ]);
  const image = helmInstall(env, settings, settings.tag ?? 'local');
  const installed = Date.now();
  await rolledOut(kubectl, [deployments.operator, deployments.api]);
  const availableSeconds = (Date.now() - installed) / 1000;
  const api = await forwardApi(env, settings.stateDir);
  return {
    image,
    apiUrl: api.url,
    settings,
    availableSeconds,
    logs: `kubectl logs -n ${operatorNamespace} deployment/${deployments.operator}`,
    stop: api.stop,
  };
}
