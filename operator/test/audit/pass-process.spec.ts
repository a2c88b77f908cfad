/**
 * The periodic audit's pass runs in a process of its own (docs/decisions/0068), on the real control
 * plane: the operator's process never loads the pass's code and the child is gone when the pass
 * has ended; a child killed mid-pass fails that pass, not the operator; a pass whose leadership ends
 * is stopped, and one whose leadership the fence cannot confirm publishes nothing and writes no
 * condition after; a child whose operator is gone stops.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type * as k8s from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { clusterRanges, eventually, testEnvironment } from '@bulkhead/testenv';
import { parseOperatorConfig } from '../../src/api/operator-config.js';
import { createOperatorAudit } from '../../src/audit/operator-audit.js';
import { passInChild } from '../../src/audit/pass-child.js';
import { PeriodicAudit } from '../../src/audit/periodic.js';
import { generateSigningKey } from '../../src/audit/report/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { kmsPacer } from '../../src/providers/kms/pacing.js';
import { LeadershipNotConfirmed, unelectedFence, type LeadershipFence } from '../../src/runtime/fence.js';
import { createLogger } from '../../src/runtime/logging.js';
import { noopPacerMetrics } from '../../src/runtime/pacer.js';
import { applyObjects } from '../support/cluster.js';
import { operatorRegions } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';

const src = join(import.meta.dirname, '../../src');
const secret = { namespace: 'bulkhead-system', name: 'pass-process-spec-signing-key' };
const report = { namespace: 'bulkhead-system', name: 'pass-process-spec-report' };

/** The operator's configuration for these passes (plain data, so a fresh process can take it as JSON). */
const configInput = (audit: Record<string, unknown> = {}, regions: Record<string, unknown> = operatorRegions()) => ({
  regions,
  network: { clusterCIDRs: clusterRanges(testEnvironment()) },
  logLevel: 'error',
  audit,
});

/** Whether the process runs (a zombie left for a parent that does not reap it has ended too). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  const state = readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0];
  return state !== 'Z' && state !== 'X';
}

/**
 * A fresh Node process that runs one periodic pass as the operator does, with a resolve hook that
 * reports, from every process it is loaded in, each module resolved: `resolved <pid> <url>`.
 */
function passScript(): { dir: string; args: string[]; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(testEnvironment().dir, 'run', 'pass-process-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      process.stderr.write('resolved ' + process.pid + ' ' + resolved.url + '\\n');
      return resolved;
    }`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
  );
  const module = (path: string): string => JSON.stringify(pathToFileURL(join(src, path)).href);
  // A file, not -e: a forked child inherits the parent's execArgv, and -e would be among them.
  writeFileSync(
    join(dir, 'pass.mjs'),
    `const { createOperatorAudit } = await import(${module('audit/operator-audit.ts')});
    const { parseOperatorConfig } = await import(${module('api/operator-config.ts')});
    const { KubeClient } = await import(${module('kube/client.ts')});
    const { unelectedFence } = await import(${module('runtime/fence.ts')});
    const { createLogger } = await import(${module('runtime/logging.ts')});
    const { Registry } = await import('prom-client');
    const kubeconfig = process.env.PASS_KUBECONFIG;
    const client = KubeClient.load(kubeconfig);
    const leadership = new AbortController();
    const audit = createOperatorAudit({
      client,
      cluster: { kubeconfig },
      config: parseOperatorConfig(JSON.parse(process.env.PASS_CONFIG)),
      logger: createLogger({ level: 'error' }),
      registry: new Registry(),
      leadership: { signal: leadership.signal, fence: unelectedFence(leadership.signal) },
    });
    const ok = await audit.runOnce(leadership.signal);
    console.log('pass ' + ok + ' in ' + process.pid);
    client.close();`,
  );
  return {
    dir,
    args: ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'pass.mjs')],
    env: { ...process.env, PASS_KUBECONFIG: testEnvironment().kubeconfig, PASS_CONFIG: JSON.stringify(configInput()) },
  };
}

/** A debug logger whose JSON lines the test reads. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; logs: Record<string, unknown>[] } {
  const stream = new PassThrough();
  const logs: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ level: 'debug', stream }), logs };
}

/** `resolved <pid> <url>` lines, by pid. */
function resolvedByPid(stderr: string): Map<number, string[]> {
  const byPid = new Map<number, string[]>();
  for (const line of stderr.split('\n')) {
    const match = /^resolved (\d+) (\S+)$/.exec(line);
    if (match) byPid.set(Number(match[1]), [...(byPid.get(Number(match[1])) ?? []), match[2] as string]);
  }
  return byPid;
}

describe('the periodic audit pass in a process of its own', function () {
  this.timeout(180_000);
  let admin: k8s.KubeConfig;
  let client: KubeClient;

  /** A periodic audit as the operator makes it, logging to lines the test reads, under `leadership`. */
  function periodicAudit(
    leadership: AbortController,
    fence: LeadershipFence = unelectedFence(leadership.signal),
    audit = {},
    regions: Record<string, unknown> = operatorRegions(),
  ) {
    const { logger, logs } = capturedLogger();
    const periodic = createOperatorAudit({
      client,
      cluster: { kubeconfig: testEnvironment().kubeconfig },
      config: parseOperatorConfig(configInput(audit, regions)),
      logger,
      registry: new Registry(),
      leadership: { signal: leadership.signal, fence },
    });
    const started = () =>
      eventually(
        'the pass process to start',
        () => logs.find((line) => line.message === 'Started the audit pass process')?.pid as number | undefined,
      );
    return { periodic, logs, started };
  }

  before(async function () {
    admin = await prepareCluster();
    client = KubeClient.load(testEnvironment().kubeconfig);
  });

  after(async function () {
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', ...report }).catch(() => undefined);
    await client.delete({ apiVersion: 'v1', kind: 'Secret', ...secret }).catch(() => undefined);
    client.close();
  });

  it("runs the pass in a child that has ended when the pass has, and never loads the pass's code in the operator", function () {
    const { args, env } = passScript();
    const run = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 150_000 });
    const done = /pass (true|false) in (\d+)/.exec(run.stdout);
    assert.ok(
      done,
      `the pass ran to its end: ${run.stdout}\n${run.stderr
        .split('\n')
        .filter((l) => !l.startsWith('resolved '))
        .join('\n')}`,
    );
    assert.equal(done[1], 'true', 'the pass succeeded');
    const operatorPid = Number(done[2]);
    const byPid = resolvedByPid(run.stderr);
    const operator = byPid.get(operatorPid) ?? [];
    const children = [...byPid.keys()].filter((pid) => pid !== operatorPid);
    assert.equal(children.length, 1, 'one pass, one child process');
    const child = byPid.get(children[0] as number) ?? [];
    // The hook sees what each process loads, so the absences below mean something.
    assert.ok(operator.some((url) => url.endsWith('/audit/periodic.ts')));
    assert.ok(operator.some((url) => url.endsWith('/audit/pass-child.ts')));
    for (const passCode of ['/audit/operator-audit-pass.ts', '/audit/run.ts', '/audit/report/index.ts']) {
      assert.ok(
        child.some((url) => url.endsWith(passCode)),
        `the child loaded ${passCode}`,
      );
      assert.ok(!operator.some((url) => url.endsWith(passCode)), `the operator did not load ${passCode}`);
    }
    assert.ok(!operator.some((url) => url.includes('/node_modules/pg/') || url.includes('/node_modules/@aws-sdk/')));
    assert.equal(running(children[0] as number), false, 'the child has ended');
  });

  it('fails a pass whose process is killed, and runs the next one', async function () {
    const leadership = new AbortController();
    const { periodic, logs, started } = periodicAudit(leadership);
    const pass = periodic.runOnce(leadership.signal);
    process.kill(await started(), 'SIGKILL');
    assert.equal(await pass, false);
    const failed = logs.find((line) => line.message === 'Isolation audit failed; IsolationVerified becomes Unknown');
    assert.match(
      String(failed?.error),
      /the audit pass process was killed by SIGKILL \(the kernel kills a process over its memory limit this way\)/,
    );
    assert.equal(await periodic.runOnce(leadership.signal), true, 'the operator goes on, and so does its audit');
  });

  it('stops a pass that runs past its deadline, and fails it', async function () {
    const leadership = new AbortController();
    const { logger, logs } = capturedLogger();
    const periodic = new PeriodicAudit({
      client,
      logger,
      registry: new Registry(),
      // A deadline of 1 ms: no pass reports before it, so this one is stopped, as an hour-long hung pass would be.
      run: passInChild({
        config: parseOperatorConfig(configInput()),
        cluster: { kubeconfig: testEnvironment().kubeconfig },
        logger,
        fence: unelectedFence(leadership.signal),
        signal: leadership.signal,
        deadlineMs: 1,
      }),
      initialDelayMs: 0,
      intervalMs: 0,
    });
    assert.equal(await periodic.runOnce(leadership.signal), false);
    const failed = logs.find((line) => line.message === 'Isolation audit failed; IsolationVerified becomes Unknown');
    assert.match(String(failed?.error), /the audit pass did not finish within 0\.001 s \(audit\.passTimeoutSeconds\) and was stopped/);
    const ended = logs.find((line) => line.message === 'The audit pass process ended');
    assert.equal(running(Number(ended?.pid)), false, 'the pass process has ended');
  });

  it('stops the pass when the leadership ends, and writes nothing for it', async function () {
    const leadership = new AbortController();
    const { periodic, logs, started } = periodicAudit(leadership);
    const pass = periodic.runOnce(leadership.signal);
    const pid = await started();
    leadership.abort();
    assert.equal(await pass, false);
    assert.equal(running(pid), false, 'the pass process has ended');
    assert.ok(logs.some((line) => line.message === 'Isolation audit stopped with the leadership; the next leader audits'));
    assert.ok(!logs.some((line) => line.message === 'Isolation audit failed; IsolationVerified becomes Unknown'), 'no condition is marked');
  });

  it('publishes nothing when the fence cannot confirm the leadership, and marks no condition', async function () {
    const key = generateSigningKey();
    await applyObjects(admin, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: secret,
        data: { 'private.pem': Buffer.from(key.privateKey).toString('base64') },
      } as k8s.KubernetesObject,
    ]);
    const asked: string[] = [];
    const refusing: LeadershipFence = {
      confirm: (act) => {
        asked.push(act);
        return Promise.reject(new LeadershipNotConfirmed(act, 'the Lease names another holder'));
      },
    };
    const leadership = new AbortController();
    const { periodic, logs } = periodicAudit(leadership, refusing, { signingKeySecret: secret, reportConfigMap: report.name });
    assert.equal(await periodic.runOnce(leadership.signal), false);
    assert.deepEqual(asked, ['publishing the audit report']);
    assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', ...report }), undefined, 'no report was published');
    const stopped = logs.find((line) => line.message === 'Isolation audit stopped with the leadership; the next leader audits');
    assert.match(
      String(stopped?.error),
      /refused publishing the audit report: leadership not confirmed \(the Lease names another holder\)/,
    );
  });

  it("takes the pass's KMS turns at the operator's pacer, so both share one budget", async function () {
    // An account no other spec uses: the pacer made here is this process's for that scope alone.
    const accountId = '000000000068';
    const waited: string[] = [];
    for (const [region, settings] of Object.entries(operatorRegions())) {
      kmsPacer({ accountId, region, endpoint: settings.kms.endpoint }, {}, () => ({
        ...noopPacerMetrics,
        observeWait: (kind) => waited.push(kind),
      }));
    }
    const regions = Object.fromEntries(
      Object.entries(operatorRegions()).map(([region, settings]) => [region, { ...settings, kms: { ...settings.kms, accountId } }]),
    );
    const leadership = new AbortController();
    const { periodic, logs } = periodicAudit(leadership, unelectedFence(leadership.signal), {}, regions);
    assert.equal(await periodic.runOnce(leadership.signal), true);
    const ended = logs.find((line) => line.message === 'The audit pass process ended');
    assert.ok(Number(ended?.kmsTurns) > 0, `the pass asked for KMS turns: ${JSON.stringify(ended)}`);
    assert.equal(waited.length, ended?.kmsTurns, "each turn it asked for was taken at this process's pacer");
  });

  it('stops a pass whose operator is gone', async function () {
    const { args, env } = passScript();
    const operator = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    operator.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const child = await eventually('the pass process to start', () =>
      [...resolvedByPid(stderr).entries()].find(
        ([pid, urls]) => pid !== operator.pid && urls.some((url) => url.endsWith('/audit/pass-process.ts')),
      ),
    );
    operator.kill('SIGKILL');
    await eventually('the orphaned pass to stop', () => !running(child[0]), 15_000);
  });
});
