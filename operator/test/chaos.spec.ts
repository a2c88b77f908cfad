/**
 * The small size of `make chaos`: the operator killed with SIGKILL at random moments while it
 * onboards tenants, and the KMS unreachable while more arrive. The tenants must all converge with
 * exactly one namespace, database, role and live key each, nothing may belong to no Tenant, the
 * outage must show as KeyProviderUnavailable, and nothing created before the faults may be lost.
 * (operator-resilience.spec.ts covers one kill at a fixed point; this one kills repeatedly, at
 * random, and checks the database and KMS side too.)
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import { testEnvironment, type Environment } from '@bulkhead/testenv';
import { KubeClient } from '../src/kube/client.js';
import { FaultProxy } from '../../bench/lib/fault-proxy.js';
import { inventoryProblems, lostSince, scopeInventory, takeInventory, type Inventory } from '../../bench/lib/inventory.js';
import { regionSettings } from '../../bench/lib/operator-settings.js';
import { createTenants, tenantNames, TenantTracker } from '../../bench/lib/tenants.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { deleteTenantsAndWait } from './support/tenants.js';

const prefix = 'chaos-';

describe('the operator under chaos', function () {
  let env: Environment;
  let kc: k8s.KubeConfig;
  let client: KubeClient;
  let kms: FaultProxy;
  let tracker: TenantTracker;
  let operator: OperatorProcess | undefined;
  const names = { killed: tenantNames(`${prefix}k`, 6), outage: tenantNames(`${prefix}o`, 4) };
  const allNames = [...names.killed, ...names.outage];

  // The operator reaches the KMS emulator through a proxy the spec can cut.
  const restartOperator = async (): Promise<void> => {
    await operator?.kill();
    operator = startOperator({ regions: regionSettings(env, kms.url) });
  };
  const ours = async (): Promise<Inventory> => scopeInventory(await takeInventory(env, client), prefix);

  before(async function () {
    env = testEnvironment();
    kc = await prepareCluster();
    await deleteTenantsAndWait(kc, allNames);
    client = KubeClient.load(env.kubeconfig);
    kms = await FaultProxy.start(env.kms.endpoint);
    tracker = new TenantTracker(client);
    tracker.run();
  });

  after(async function () {
    await kms.restore();
    // Finalized by the operator, so the suites after this one start clean.
    if (operator) await deleteTenantsAndWait(kc, allNames, 120_000);
    await operator?.stop();
    await tracker.stop();
    client.close();
    await kms.close();
  });

  it('converges through repeated kill -9 and a KMS outage, with one of everything per tenant, no orphans and nothing lost', async function () {
    await restartOperator();
    for (const [name, at] of await createTenants(client, names.killed)) tracker.expect(name, at);
    // Three kills at random moments while the first tenants are onboarded.
    for (let kill = 0; kill < 3; kill++) {
      await sleep(300 + Math.random() * 1_500);
      await restartOperator();
    }
    await tracker.waitReady(names.killed, 60_000);
    const beforeOutage = await ours();
    assert.deepEqual(inventoryProblems(beforeOutage), []);

    await kms.cut();
    for (const [name, at] of await createTenants(client, names.outage)) tracker.expect(name, at);
    // A tenant created during the outage cannot get a key and says why (waitReason throws if none
    // does). Tenants created before it may say so too, when something makes them reconcile during
    // the outage: that is right, not a failure.
    await tracker.waitReason('EncryptionKeyReady', 'KeyProviderUnavailable', 30_000, names.outage);
    await restartOperator(); // and one more kill during the outage
    await sleep(2_000);
    await kms.restore();
    await tracker.waitReady(allNames, 60_000);

    const after = await ours();
    assert.deepEqual(inventoryProblems(after), []);
    assert.equal(after.tenants.length, allNames.length);
    assert.equal(after.databases.length, allNames.length);
    assert.equal(after.keys.filter((k) => k.state !== 'PendingDeletion').length, allNames.length);
    assert.deepEqual(lostSince(beforeOutage, after), []);
  });
});
