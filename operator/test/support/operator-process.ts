/**
 * Runs the operator as a real child process (`bulkhead operator`) against the test environment,
 * so specs can kill -9 it, run two of them, and read its JSON logs and /metrics. It runs as the
 * ServiceAccount charts/bulkhead gives it (operator-identity.ts), never as cluster-admin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { clusterRanges, testEnvironment } from '@bulkhead/testenv';
import { eventually, repoRoot } from './cluster.js';
import { applyChartIdentities, installChartIdentities, operatorKubeconfig, type IdentityConfig } from './operator-identity.js';

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  metricsUrl(): Promise<string>;
  /** The sum of bulkhead_kube_requests_total for the given verbs, leaving out some resources. */
  requestCount(verbs: string[], excludeResources?: string[]): Promise<number>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Resolves with the exit signal or code once the process ends on its own. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** Its last log lines and stderr, for error messages. */
  output(lines?: number): string;
}

let counter = 0;

interface Started {
  identity: string;
  logs: Record<string, unknown>[];
  stderr: () => string;
  startedAt: number;
  exit?: { at: number; how: NodeJS.Signals | number | null };
}
const startedOperators: Started[] = [];

/**
 * The last log lines of every operator that ran during a test that started at `since`: a failing
 * spec shows what the operator was doing (its output is otherwise lost with the process).
 */
export function operatorLogsSince(since: number, lines = 40): string {
  return startedOperators
    .filter((o) => o.exit === undefined || o.exit.at >= since)
    .map((o) => {
      const exit = o.exit ? `exited (${String(o.exit.how)}) ${((o.exit.at - since) / 1000).toFixed(1)} s into the test` : 'still running';
      return `--- operator ${o.identity}, ${exit}; last ${lines} log lines:\n${lastOutput(o, lines)}`;
    })
    .join('\n');
}

function lastOutput(o: Started, lines: number): string {
  const tail = o.logs
    .slice(-lines)
    .map((line) => JSON.stringify(line))
    .join('\n');
  return `${tail}${o.stderr() ? `\nstderr: ${o.stderr().slice(-2000)}` : ''}`;
}

/** The regions the test operator serves: both on the test PostgreSQL and KMS emulator. */
export const testRegions = ['eu-central-1', 'us-east-1'];
/** moto's default account. */
export const testAccountId = '123456789012';

function regionSettings() {
  const env = testEnvironment();
  return {
    database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
    kms: {
      accountId: testAccountId,
      endpoint: env.kms.endpoint,
      credentialsSecret: { namespace: 'bulkhead-system', name: 'kms-credentials' },
    },
  };
}

/** The test operator's regions (whose Secrets the chart's Role lets it read). */
export function operatorRegions(): Record<string, ReturnType<typeof regionSettings>> {
  return Object.fromEntries(testRegions.map((region) => [region, regionSettings()]));
}

/** The operator's namespace, the Secrets its configuration names, and the chart's identities. */
export async function prepareOperatorNamespace(kc: k8s.KubeConfig): Promise<void> {
  const env = testEnvironment();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'bulkhead-system' } } }).catch(() => undefined);
  const secrets: [string, Record<string, string>][] = [
    ['postgres-admin', { username: env.postgres.user, password: env.postgres.password }],
    ['kms-credentials', { accessKeyId: 'testing', secretAccessKey: 'testing' }],
  ];
  for (const [name, stringData] of secrets) {
    await core.createNamespacedSecret({ namespace: 'bulkhead-system', body: { metadata: { name }, stringData } }).catch(() => undefined);
  }
  await installChartIdentities(kc, { regions: operatorRegions() });
}

/**
 * Starts `bulkhead operator` as the chart's operator ServiceAccount; the chart repository must be
 * ready (see packageTestCharts) and the identities installed (prepareCluster).
 */
export function startOperator(settings: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}): OperatorProcess {
  const config = operatorConfig(settings);
  // The chart's RBAC as an installation with this configuration would have it (the Secrets it names).
  applyChartIdentities(config as IdentityConfig);
  return spawnOperator({ config, kubeconfig: operatorKubeconfig(), extraEnv });
}

/** The test operator's configuration: its regions on the test servers, and `settings` over it. */
export function operatorConfig(settings: Record<string, unknown> = {}): Record<string, unknown> & { identity: string } {
  const env = testEnvironment();
  return {
    identity: `operator-${process.pid}-${++counter}`,
    health: { host: '127.0.0.1', port: 0 },
    logLevel: 'debug',
    // Short enough that a takeover after a kill takes seconds, long enough that a leader on a busy
    // two-core machine keeps its lease: with a 3 s renew deadline, a leader stalled that long under
    // load lost it, exited, and failed the fleet rollout spec mid-step.
    leaderElection: { enabled: true, leaseDurationSeconds: 10, renewDeadlineSeconds: 7, retryPeriodSeconds: 1 },
    release: { helm: env.helm, chartRepository: join(env.dir, 'run', 'charts') },
    regions: operatorRegions(),
    database: { snapshotDir: join(env.dir, 'run', 'snapshots') },
    encryption: { pendingWindowDays: 7 },
    network: { clusterCIDRs: clusterRanges(env) },
    ...settings,
  };
}

export interface OperatorLaunch {
  config: Record<string, unknown> & { identity: string };
  /** Whose identity it runs as, and in which cluster. */
  kubeconfig: string;
  extraEnv?: Record<string, string>;
}

/** Runs `bulkhead operator` with `config` as the kubeconfig's identity. */
export function spawnOperator({ config, kubeconfig, extraEnv = {} }: OperatorLaunch): OperatorProcess {
  const env = testEnvironment();
  const identity = config.identity;
  const dir = mkdtempSync(join(env.dir, 'run', 'operator-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'operator/src/cli/main.ts'), 'operator'], {
    env: { ...process.env, KUBECONFIG: kubeconfig, BULKHEAD_CONFIG: configFile, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ message: line });
      }
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

  const metricsUrl = async (): Promise<string> => {
    const line = await eventually(
      'the operator to serve metrics',
      () => Promise.resolve(logs.find((l) => l.message === 'Serving health probes and metrics')),
      30_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nstderr: ${stderr}`);
    });
    return `http://127.0.0.1:${String(line.port)}/metrics`;
  };
  const started: Started = { identity, logs, stderr: () => stderr, startedAt: Date.now() };
  startedOperators.push(started);
  void exited.then((how) => (started.exit = { at: Date.now(), how }));
  return {
    child,
    identity,
    logs,
    metricsUrl,
    exited,
    output: (lines = 40) => lastOutput(started, lines),
    async requestCount(verbs, excludeResources = []) {
      const text = await (await fetch(await metricsUrl())).text();
      let total = 0;
      for (const match of text.matchAll(/^bulkhead_kube_requests_total\{verb="(\w+)",resource="([^"]*)",code="\d+"\} (\d+)/gm)) {
        if (verbs.includes(match[1] ?? '') && !excludeResources.includes(match[2] ?? '')) total += Number(match[3]);
      }
      return total;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
