import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import type { KubeClient } from '../kube/client.js';
import { createLogger } from '../runtime/logging.js';
import type { AuditCost } from './cost.js';
import { countFindings, PeriodicAudit, type NewWork } from './periodic.js';

const noCost: AuditCost = { seconds: 0, peakRssMiB: 0, peakHeapUsedMiB: 0, maxRssMiB: 0, longestStallSeconds: 0 };

/** A periodic audit over no tenants (so no client call), recording when its passes start and what it logs. */
function auditGivingWayTo(yieldTo: NewWork | undefined): { audit: PeriodicAudit; passes: number[]; logs: () => string[] } {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const passes: number[] = [];
  const audit = new PeriodicAudit({
    client: {} as KubeClient,
    logger: createLogger({ stream }),
    registry: new Registry(),
    run: () => {
      passes.push(performance.now());
      return Promise.resolve({ tenants: 0, checks: 0, findings: countFindings([]), conditionsChanged: 0, cost: noCost });
    },
    initialDelayMs: 0,
    intervalMs: 60_000,
    ...(yieldTo ? { yieldTo } : {}),
  });
  return { audit, passes, logs: () => lines.map((line) => (JSON.parse(line) as { message: string }).message) };
}

/** Runs the audit until its first pass has started, then stops it as a lost leadership would. */
async function untilFirstPass(audit: PeriodicAudit, passes: number[]): Promise<void> {
  const stop = new AbortController();
  const running = audit.run(stop.signal);
  while (passes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  stop.abort();
  await running;
}

describe('the periodic audit gives way to new and changed tenants', () => {
  it('waits while new work waits, and runs once the queue has none', async () => {
    let waiting = 3;
    const checks: number[] = [];
    const work: NewWork = {
      waiting: () => {
        checks.push(waiting);
        if (checks.length >= 4) waiting = 0;
        return waiting;
      },
      maxDeferMs: 60_000,
      checkMs: 5,
    };
    const { audit, passes, logs } = auditGivingWayTo(work);
    await untilFirstPass(audit, passes);
    assert.equal(passes.length, 1);
    assert.ok(checks.includes(0), 'the pass started only once nothing waited');
    assert.deepEqual(logs().slice(0, 2), [
      'Isolation audit waits for new or changed tenants to be reconciled first',
      'Isolation audit starts after waiting for new work',
    ]);
  });

  it('waits no longer than maxDeferMs: a stream of new tenants delays the audit, never stops it', async () => {
    const work: NewWork = { waiting: () => 7, maxDeferMs: 40, checkMs: 5 };
    const { audit, passes, logs } = auditGivingWayTo(work);
    const started = performance.now();
    await untilFirstPass(audit, passes);
    assert.equal(passes.length, 1);
    assert.ok((passes[0] ?? 0) - started >= 40, 'it gave way for the whole allowance first');
    assert.ok(logs().includes('Isolation audit starts after waiting for new work'));
  });

  it('runs at its time, saying nothing of new work, when none waits or nothing is given to wait for', async () => {
    for (const work of [{ waiting: () => 0, maxDeferMs: 60_000, checkMs: 5 }, undefined]) {
      const { audit, passes, logs } = auditGivingWayTo(work);
      await untilFirstPass(audit, passes);
      assert.equal(passes.length, 1);
      assert.ok(!logs().some((message) => message.includes('new or changed tenants')));
    }
  });

  it('stops giving way at once when the leader stops, without running a pass', async () => {
    const { audit, passes } = auditGivingWayTo({ waiting: () => 1, maxDeferMs: 60_000, checkMs: 5 });
    const stop = new AbortController();
    const running = audit.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    stop.abort();
    await running;
    assert.deepEqual(passes, []);
  });
});
