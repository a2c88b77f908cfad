/**
 * Onboarding through a KMS that throttles as AWS does: the operator paces itself within its
 * budget, says KeyProviderThrottled while KMS refuses, slows down instead of retrying harder, and
 * every tenant still becomes Ready. The requests are counted at the proxy, in front of moto.
 */
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { KmsThrottleProxy, testEnvironment, type Environment } from '@bulkhead/testenv';
import { KubeClient } from '../src/kube/client.js';
import { regionSettings } from '../../bench/lib/operator-settings.js';
import { createTenants, tenantNames, TenantTracker } from '../../bench/lib/tenants.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { deleteTenantsAndWait } from './support/tenants.js';

/**
 * The operator's budget for each key-changing operation, and the proxy's stricter one. Both are
 * below AWS's 5/s so that 16 workers offer far more than the budget: without the pacer they
 * send a burst of CreateKeys in the first second (the spec fails), with it they queue.
 */
const budget = 2;
const kmsRate = 1;
const workers = 16;
const paced = ['CreateKey', 'CreateAlias', 'EnableKeyRotation'];

/** The sum of a counter's samples whose labels include every pair in `labels`. */
async function metricSum(operator: OperatorProcess, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(await operator.metricsUrl())).text();
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const line = match[1] ?? '';
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) total += Number(match[2]);
  }
  return total;
}

describe('onboarding through a throttling KMS', function () {
  let env: Environment;
  let kc: k8s.KubeConfig;
  let client: KubeClient;
  let proxy: KmsThrottleProxy;
  let tracker: TenantTracker;
  let operator: OperatorProcess | undefined;
  const names = tenantNames('paced', 16);

  before(async function () {
    env = testEnvironment();
    kc = await prepareCluster();
    await deleteTenantsAndWait(kc, names);
    client = KubeClient.load(env.kubeconfig);
    proxy = await KmsThrottleProxy.start(env.kms.endpoint, { requestsPerSecond: kmsRate });
    tracker = new TenantTracker(client);
    tracker.run();
  });

  after(async function () {
    // Deleting schedules each key's deletion through the proxy too; lift the limit so cleanup is quick.
    proxy.setRate(1000);
    if (operator) await deleteTenantsAndWait(kc, names, 120_000);
    await operator?.stop();
    await tracker.stop();
    client.close();
    await proxy.close();
  });

  it('onboards every tenant, shows KeyProviderThrottled while KMS refuses, and never sends faster than its budget, however many workers', async function () {
    operator = startOperator({
      workers,
      regions: regionSettings(env, proxy.url),
      providerLimits: { kms: { requestsPerSecond: { CreateKey: budget, CreateAlias: budget, EnableKeyRotation: budget } } },
    });
    for (const [name, at] of await createTenants(client, names)) tracker.expect(name, at);

    const throttledTenant = await tracker.waitReason('EncryptionKeyReady', 'KeyProviderThrottled', 60_000, names);
    await tracker.waitReady(names, 110_000);

    // The condition said what happened, in words, with no credential in it.
    const condition = tracker.latest.get(throttledTenant)?.status?.conditions?.find((c) => c.type === 'EncryptionKeyReady');
    assert.equal(condition?.status, 'True', 'the tenant that was throttled got its key in the end');
    const reasons = [...tracker.reasonsSeen.keys()].filter((key) => key.includes('KeyProviderThrottled'));
    assert.ok(reasons.includes('EncryptionKeyReady=KeyProviderThrottled'), reasons.join(', '));
    const logged = JSON.stringify(operator.logs);
    assert.ok(!logged.includes('secretAccessKey') && !/"testing"/.test(logged), "no KMS credential in the operator's logs");

    const counts = proxy.counts();
    for (const operation of paced) {
      const count = counts[operation] ?? { forwarded: 0, throttled: 0 };
      assert.equal(count.forwarded, names.length, `${operation}: one per tenant reached moto (${JSON.stringify(count)})`);
      // Never faster than the budget (one request of slack for network jitter), throttled ones included.
      const most = proxy.mostInAnyWindow(operation);
      assert.ok(most <= budget + 1, `${operation}: ${most} requests arrived within one second; the budget is ${budget}`);
      // A throttle is answered by slowing down, not by retrying: refusals stay below the requests that went through.
      assert.ok(count.throttled < count.forwarded, `${operation}: ${count.throttled} throttled against ${count.forwarded} forwarded`);
    }
    const throttledAtProxy = paced.reduce((sum, operation) => sum + (counts[operation]?.throttled ?? 0), 0);
    assert.ok(throttledAtProxy > 0, 'the proxy throttled something (else this spec proves nothing)');
    // Every ThrottlingException reached the pacer: none was swallowed by an SDK retry.
    assert.equal(await metricSum(operator, 'bulkhead_provider_throttled_total', { provider: 'kms', by: 'provider' }), throttledAtProxy);
  });
});
