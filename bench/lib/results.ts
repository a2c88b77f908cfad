/**
 * Where numbers go: bench/results/<name>.json, each with the machine (cores, RAM, CPU model, load
 * when it started), the versions of everything measured, the date and the git commit, so a number
 * is never read without knowing where it came from.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pinnedVersions } from '../../testenv/src/versions.js';
import { repoRoot } from '../../operator/test/support/cluster.js';
import type { Environment } from '../../testenv/src/environment.js';
import { shippedOperatorEnv, shippedOperatorNodeOptions, shippedOperatorV8Flags } from './compiled-operator.js';

export interface Provenance {
  date: string;
  commit: string;
  machine: { cores: number; ramGiB: number; cpu: string; loadAverageAtStart: number[] };
  versions: Record<string, string>;
  /** NODE_OPTIONS the compiled operator ran with (the chart's `operator.nodeOptions`). */
  operatorNodeOptions: string;
  /** V8 flags on its command line (the chart's `operator.v8Flags`). */
  operatorV8Flags: string[];
  /** Environment the chart sets for the compiled operator besides it (MALLOC_ARENA_MAX). */
  operatorEnv: Record<string, string>;
}

const run = (command: string, args: string[]): string => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

function postgresVersion(): string {
  const line = run('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1']);
  return line === 'unknown' ? line : run(line, ['--version']).replace(/^postgres \(PostgreSQL\) /, '');
}

export function provenance(env?: Environment): Provenance {
  const pinned = pinnedVersions();
  const dirty = run('git', ['-C', repoRoot, 'status', '--porcelain']) !== '';
  return {
    date: new Date().toISOString(),
    commit: `${run('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'])}${dirty ? ' (working tree with uncommitted changes)' : ''}`,
    machine: {
      cores: cpus().length,
      ramGiB: Math.round(totalmem() / 2 ** 30),
      cpu: cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    },
    versions: {
      node: process.version,
      kubernetes: pinned.KUBERNETES_VERSION ?? 'unknown',
      etcd: pinned.ETCD_VERSION ?? 'unknown',
      postgres: postgresVersion(),
      helm: env ? run(env.helm, ['version', '--short']) : (pinned.HELM_VERSION ?? 'unknown'),
      moto: pinned.MOTO_VERSION ?? 'unknown',
      kwok: pinned.KWOK_VERSION ?? 'unknown',
    },
    operatorNodeOptions: shippedOperatorNodeOptions(),
    operatorV8Flags: shippedOperatorV8Flags(),
    operatorEnv: shippedOperatorEnv(),
  };
}

export const resultsDir = join(repoRoot, 'bench', 'results');

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(name: string, body: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

export function readResult(name: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(resultsDir, `${name}.json`), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** SIZES=1,50,200 and the like; `fallback` when unset. */
export function sizesFrom(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`SIZES must be positive integers separated by commas, got "${value}"`);
  return sizes;
}
