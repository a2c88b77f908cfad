/**
 * A real operator's periodic audit gives way to tenants waiting to be made (docs/decisions/0067):
 * tenants created once the operator leads are queued as new work, and its one worker is held at
 * the KMS pacer (CreateKey at one per 4 s), so when the first pass comes due (3 s after the
 * operator leads) some still wait. The pass waits, says so, starts only once none waits, and then
 * judges them all, in its own process (docs/decisions/0068).
 */
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually } from '../support/cluster.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { deleteTenantsAndWait, tenantManifest, waitForReady } from '../support/tenants.js';

const names = ['giveway-a', 'giveway-b', 'giveway-c', 'giveway-d'];

describe('the periodic audit of a real operator while tenants wait to be made', function () {
  this.timeout(300_000);
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;

  before(async function () {
    kc = await prepareCluster();
  });

  after(async function () {
    await deleteTenantsAndWait(kc, names);
    await operator?.stop();
  });

  it('waits while they wait in the work queue, then audits every one of them', async function () {
    operator = startOperator({
      workers: 1,
      audit: { initialDelaySeconds: 3, intervalSeconds: 3600 },
      providerLimits: { kms: { requestsPerSecond: { CreateKey: 0.25 }, maxWaitSeconds: 30 } },
    });
    const logs = operator.logs;
    const line = (message: string, timeoutMs = 120_000) =>
      eventually(`the operator to log "${message}"`, () => logs.find((l) => l.message === message), timeoutMs);
    // Created after the informers' first list, so they are new work (that list's are not: 0023).
    await line('Acquired leader lease', 60_000);
    const readyz = (await operator.metricsUrl()).replace(/\/metrics$/, '/readyz');
    await eventually('the operator to be ready', async () => (await fetch(readyz)).ok);
    await applyObjects(
      kc,
      names.map((name) => tenantManifest(name, { database: { deletionPolicy: 'Delete' } })),
    );

    const waits = await line('Isolation audit waits for new or changed tenants to be reconciled first');
    assert.ok(Number(waits.waiting) >= 1, `tenants waited when the pass came due: ${JSON.stringify(waits)}`);
    const starts = await line('Isolation audit starts after waiting for new work');
    assert.equal(starts.stillWaiting, 0, 'the pass started once no tenant waited');
    assert.ok(Number(starts.deferredSeconds) > 0);
    const audited = await line('Audited tenant isolation');
    assert.ok(Date.parse(String(audited.timestamp)) >= Date.parse(String(starts.timestamp)), 'no pass ran before the wait ended');
    assert.ok(Number(audited.tenants) >= names.length, `the pass judged every tenant: ${JSON.stringify(audited)}`);
    for (const name of names) await waitForReady(kc, name);
  });
});
