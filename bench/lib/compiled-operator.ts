/**
 * The operator as the image runs it: operator/src compiled to JavaScript (here with esbuild, into
 * .bulkhead/bench-dist, which lint and git ignore; the Dockerfile uses tsc), started with plain `node`, no tsx loader. Memory is
 * measured on this one, because tsx's loader alone adds tens of MiB that production never pays.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { clusterRanges } from '../../testenv/src/network.js';
import { repoRoot } from '../../operator/test/support/cluster.js';
import { operatorKubeconfig } from '../../operator/test/support/operator-identity.js';
import type { Environment } from '../../testenv/src/environment.js';
import { regionSettings } from './operator-settings.js';
import { inCgroup, type MemoryCgroup } from './memory-cgroup.js';
import { keepOutputTail } from './output-tail.js';

const dist = join(repoRoot, '.bulkhead', 'bench-dist');

function sources(dir: string, root: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path, root);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

/**
 * Compiles `root`'s operator/src (this tree's by default; bench/memory-at-rest.ts passes another
 * revision's) into `out` (about a second) and returns the CLI's path. Packages resolve from this
 * tree's node_modules, so `out` must lie inside it.
 */
export function buildCompiledOperator(root = repoRoot, out = dist): string {
  mkdirSync(out, { recursive: true });
  execFileSync(
    join(repoRoot, 'node_modules/.bin/esbuild'),
    [
      ...sources(join(root, 'operator/src'), root),
      `--outdir=${out}`,
      '--outbase=operator/src',
      '--format=esm',
      '--platform=node',
      '--target=node20',
      '--log-level=error',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  // operator/package.json where cli/program.js and audit/report/tool.js look for the version (the
  // directory above `out`, as /app is above /app/dist in the image): without it the audit runs
  // for minutes and then fails to sign its report.
  copyFileSync(join(repoRoot, 'operator/package.json'), join(out, '..', 'package.json'));
  return join(out, 'cli/main.js');
}

export interface CompiledOperator {
  child: ChildProcess;
  metricsUrl: Promise<string>;
  /** Resolves with the exit signal or code. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** Its last lines of output, stderr included (where Node reports running out of heap). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The Node.js flags the chart ships for the operator (`operator.nodeOptions` in
 * charts/bulkhead/values.yaml, set as NODE_OPTIONS in its Deployment), so that what the bench
 * measures is what is installed. BENCH_OPERATOR_NODE_OPTIONS replaces them for a comparison
 * (empty: Node's defaults).
 */
export function shippedOperatorNodeOptions(): string {
  const override = process.env.BENCH_OPERATOR_NODE_OPTIONS;
  if (override !== undefined) return override;
  return chartOperatorValue('nodeOptions');
}

/**
 * The V8 flags the chart puts on the operator's command line (`operator.v8Flags`, after `node` in
 * its container's command), as words. BENCH_OPERATOR_V8_FLAGS replaces them (empty: none).
 */
export function shippedOperatorV8Flags(): string[] {
  const flags = process.env.BENCH_OPERATOR_V8_FLAGS ?? chartOperatorValue('v8Flags');
  return flags.split(' ').filter(Boolean);
}

/**
 * The glibc malloc arenas the chart ships for the operator (`operator.mallocArenaMax`, set as
 * MALLOC_ARENA_MAX). BENCH_OPERATOR_MALLOC_ARENA_MAX replaces it (empty: glibc's default).
 */
export function shippedOperatorEnv(): Record<string, string> {
  const arenas = process.env.BENCH_OPERATOR_MALLOC_ARENA_MAX ?? chartOperatorValue('mallocArenaMax');
  return arenas === '' ? {} : { MALLOC_ARENA_MAX: arenas };
}

function chartOperatorValue(key: 'nodeOptions' | 'mallocArenaMax' | 'v8Flags'): string {
  const values = parse(readFileSync(join(repoRoot, 'charts/bulkhead/values.yaml'), 'utf8')) as { operator?: Record<string, unknown> };
  const value = values.operator?.[key] ?? '';
  if (typeof value !== 'string') throw new Error(`charts/bulkhead/values.yaml: operator.${key} must be a string`);
  return value;
}

/** The bench's own environment, without a MALLOC_ARENA_MAX the chart's value should decide. */
function withoutMallocArenas(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MALLOC_ARENA_MAX: _arenas, ...rest } = env;
  return rest;
}

/** How to start it besides the shipped settings. */
export interface Launch {
  /** Before the script, after the shipped V8 flags, for flags NODE_OPTIONS refuses (--cpu-prof). */
  nodeArgs?: string[];
  /** Instead of the shipped V8 flags (shippedOperatorV8Flags): a variant compared with them. */
  v8Flags?: string[];
  /** Over the shipped variables (NODE_OPTIONS included): a variant compared with them (operator-run.ts). */
  env?: Record<string, string>;
  /** Run inside this memory cgroup (memory-cgroup.ts), as a pod with the chart's memory limit. */
  cgroup?: MemoryCgroup;
  /** Over the bench's operator settings, key by key (e.g. the audit's, to run it signed). */
  config?: Record<string, unknown>;
}

/** Started with the chart's V8 flags, NODE_OPTIONS and MALLOC_ARENA_MAX (shippedOperatorV8Flags, shippedOperatorNodeOptions, shippedOperatorEnv), unless `launch` says otherwise. */
export function startCompiledOperator(env: Environment, main: string, identity: string, launch: Launch = {}): CompiledOperator {
  const configFile = join(env.dir, 'run', `${identity}.yaml`);
  writeFileSync(
    configFile,
    stringify({
      identity,
      health: { host: '127.0.0.1', port: 0 },
      logLevel: 'info',
      leaderElection: { enabled: true, leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
      release: { helm: env.helm, chartRepository: join(env.dir, 'run', 'charts') },
      audit: { enabled: process.env.BENCH_AUDIT === '1' },
      regions: regionSettings(env),
      database: { snapshotDir: join(env.dir, 'run', 'snapshots') },
      encryption: { pendingWindowDays: 7 },
      network: { clusterCIDRs: clusterRanges(env) },
      ...launch.config,
    }),
  );
  const args = [...(launch.v8Flags ?? shippedOperatorV8Flags()), ...(launch.nodeArgs ?? []), main, 'operator'];
  const how = launch.cgroup ? inCgroup(launch.cgroup, process.execPath, args) : { command: process.execPath, args };
  const child = spawn(how.command, how.args, {
    env: {
      ...withoutMallocArenas(process.env),
      ...shippedOperatorEnv(),
      KUBECONFIG: operatorKubeconfig(),
      BULKHEAD_CONFIG: configFile,
      NODE_OPTIONS: shippedOperatorNodeOptions(),
      ...launch.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepOutputTail(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const metricsUrl = new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const match =
        /"message":"Serving health probes and metrics"[^\n]*"port":(\d+)/.exec(buffered) ??
        /"port":(\d+)[^\n]*"message":"Serving health probes and metrics"/.exec(buffered);
      if (match) resolve(`http://127.0.0.1:${match[1]}/metrics`);
      if (buffered.length > 1_000_000) buffered = buffered.slice(-10_000);
    });
    void exited.then((how) =>
      reject(new Error(`the compiled operator exited (${String(how)}) before serving metrics; its last output:\n${output()}`)),
    );
  });
  return {
    child,
    metricsUrl,
    exited,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
