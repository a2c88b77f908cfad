/**
 * Backups and restores through the operator, on the real kube-apiserver, PostgreSQL and moto (KMS
 * and S3): a plan's schedule backs each tenant up and lists the backup in its status; a
 * TenantRestore puts the rows back, verified by the counts the backup recorded; restoring one
 * tenant's backup into another is refused by KMS unless a platform admin's override says why,
 * and that override is on the record as a Warning Event.
 */
import assert from 'node:assert/strict';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import { applyObjects, eventually, isGone, readManifests, repoRoot } from './support/cluster.js';
import { startOperator, testAccountId, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { orderCount, queryAsTenant } from './support/tenant-database.js';
import { customObjects, deleteTenantsAndWait, group, readTenant, tenantManifest, version, waitForReady } from './support/tenants.js';

const planName = 'backed-up';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface BackupStatus {
  latest?: { id: string; createdAt: string; size: number; reason?: string }[];
  lastFailure?: string;
}

interface RestoreObject extends k8s.KubernetesObject {
  status?: { phase?: string; reason?: string; message?: string; tables?: { schema: string; table: string; rows: number }[] };
}

async function restoreAndWait(kc: k8s.KubeConfig, name: string, spec: Record<string, unknown>): Promise<RestoreObject> {
  await applyObjects(kc, [{ apiVersion: `${group}/${version}`, kind: 'TenantRestore', metadata: { name }, spec } as k8s.KubernetesObject]);
  return eventually(
    `TenantRestore ${name} to finish`,
    async () => {
      const restore = (await customObjects(kc).getClusterCustomObject({ group, version, plural: 'tenantrestores', name })) as RestoreObject;
      return restore.status?.phase === 'Succeeded' || restore.status?.phase === 'Failed' ? restore : undefined;
    },
    90_000,
  );
}

async function eventsAbout(kc: k8s.KubeConfig, name: string): Promise<k8s.CoreV1Event[]> {
  const list = await kc.makeApiClient(k8s.CoreV1Api).listEventForAllNamespaces({ fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe('backups and restores of a tenant database, through the operator', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let backupId = '';

  before(async function () {
    const env = testEnvironment();
    kc = await prepareCluster();
    await kc
      .makeApiClient(k8s.CoreV1Api)
      .createNamespacedSecret({
        namespace: 'bulkhead-system',
        body: { metadata: { name: 'backup-credentials' }, stringData: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
      })
      .catch(() => undefined);
    const [standard] = readManifests(`${repoRoot}/crds/examples/plans/standard.yaml`);
    await applyObjects(kc, [{ ...standard, metadata: { name: planName } }]);
    operator = startOperator({
      backups: {
        bucket: env.kms.backupBucket ?? 'bulkhead-backups',
        region: 'eu-central-1',
        endpoint: env.kms.endpoint,
        forcePathStyle: true,
        prefix: `spec-${process.pid}/`,
        credentialsSecret: { namespace: 'bulkhead-system', name: 'backup-credentials' },
        checkIntervalSeconds: 10,
      },
    });
    await applyObjects(kc, [tenantManifest('bk-a', { plan: planName }), tenantManifest('bk-b', { plan: planName })]);
    await waitForReady(kc, 'bk-a');
    await waitForReady(kc, 'bk-b');
    await queryAsTenant(kc, 'bk-a', 'CREATE TABLE orders (id int PRIMARY KEY, item text)');
    await queryAsTenant(kc, 'bk-a', "INSERT INTO orders SELECT g, 'widget' FROM generate_series(1, 40) g");
  });

  after(async function () {
    const restores = (await customObjects(kc)
      .listClusterCustomObject({ group, version, plural: 'tenantrestores' })
      .catch(() => ({ items: [] }))) as { items: k8s.KubernetesObject[] };
    for (const { metadata } of restores.items) {
      await customObjects(kc)
        .deleteClusterCustomObject({ group, version, plural: 'tenantrestores', name: metadata?.name ?? '' })
        .catch(() => undefined);
    }
    await deleteTenantsAndWait(kc, ['bk-a', 'bk-b']);
    await customObjects(kc)
      .deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })
      .catch(() => undefined);
    await eventually('the plan to be gone', () =>
      isGone(() => customObjects(kc).getClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })),
    );
    await operator?.stop();
  });

  it("backs a tenant up once its plan sets a schedule, and lists the backup in the tenant's status", async function () {
    assert.equal(((await readTenant(kc, 'bk-a')).status as { backups?: BackupStatus }).backups, undefined, 'no schedule, no backup');
    await customObjects(kc).patchClusterCustomObject(
      { group, version, plural: 'tenantplans', name: planName, body: { spec: { backup: { intervalMinutes: 60, keepLast: 3 } } } },
      mergePatch,
    );
    const backups = await eventually(
      'a backup in status',
      async () => {
        const status = ((await readTenant(kc, 'bk-a')).status as { backups?: BackupStatus }).backups;
        return status?.latest?.length ? status : undefined;
      },
      90_000,
    );
    const [latest] = backups.latest ?? [];
    assert.ok(latest);
    assert.deepEqual(Object.keys(latest).sort(), ['createdAt', 'id', 'reason', 'size']);
    assert.equal(latest.reason, 'Scheduled');
    assert.ok(latest.size > 0);
    assert.equal(backups.lastFailure, undefined);
    backupId = latest.id;
    assert.ok((await eventsAbout(kc, 'bk-a')).some((event) => event.reason === 'BackedUp' && event.message?.includes(backupId)));
    // The tenant reconcile, which also writes status, leaves the scheduler's list alone.
    await customObjects(kc).patchClusterCustomObject(
      { group, version, plural: 'tenants', name: 'bk-a', body: { spec: { displayName: 'Tenant A, renamed' } } },
      mergePatch,
    );
    await waitForReady(kc, 'bk-a');
    assert.equal(((await readTenant(kc, 'bk-a')).status as { backups?: BackupStatus }).backups?.latest?.[0]?.id, backupId);
  });

  it("lets the operator only seal and open backups with the tenant's key: GenerateDataKey and Decrypt under its backup context", async function () {
    const { kms } = testEnvironment();
    const client = new KMSClient({
      endpoint: kms.endpoint,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const keyId = ((await readTenant(kc, 'bk-a')).status as { encryption: { keyId: string } }).encryption.keyId;
    try {
      const { Policy } = await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
      const statements = (JSON.parse(Policy ?? '{}') as { Statement: { Sid?: string }[] }).Statement;
      assert.deepEqual(
        statements.find((statement) => statement.Sid === 'OperatorSealsBackupsOnly'),
        {
          Sid: 'OperatorSealsBackupsOnly',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${testAccountId}:role/bulkhead-operator` },
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'bk-a', 'kms:EncryptionContext:purpose': 'backup' } },
        },
        // moto keeps the policy as written but does not evaluate it; the audit's key.policy check judges the document.
      );
    } finally {
      client.destroy();
    }
  });

  it('restores the backup into the tenant with a TenantRestore, verified by the row counts', async function () {
    await queryAsTenant(kc, 'bk-a', 'DELETE FROM orders WHERE id > 5');
    assert.equal(await orderCount(kc, 'bk-a'), 5);
    const restore = await restoreAndWait(kc, 'bk-a-restore', { tenant: 'bk-a', backup: { id: backupId } });
    assert.equal(restore.status?.phase, 'Succeeded', restore.status?.message);
    assert.deepEqual(restore.status?.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
    assert.equal(await orderCount(kc, 'bk-a'), 40);
  });

  it("refuses to restore tenant A's backup into tenant B: KMS will not open the data key under B's context", async function () {
    const restore = await restoreAndWait(kc, 'bk-b-from-a', { tenant: 'bk-b', backup: { id: backupId, fromTenant: 'bk-a' } });
    assert.equal(restore.status?.phase, 'Failed');
    assert.equal(restore.status?.reason, 'RestoreRefused');
    assert.match(restore.status?.message ?? '', /KMS refused to open the data key/);
    assert.equal(await orderCount(kc, 'bk-b'), -1, "tenant B's database is untouched");
  });

  it("restores it with a platform admin's override, and records the override as a Warning Event on both objects", async function () {
    const reason = 'INC-4711: customer asked to clone production into staging';
    const restore = await restoreAndWait(kc, 'bk-b-from-a-override', {
      tenant: 'bk-b',
      backup: { id: backupId, fromTenant: 'bk-a' },
      crossTenantOverride: { reason },
    });
    assert.equal(restore.status?.phase, 'Succeeded', restore.status?.message);
    assert.equal(await orderCount(kc, 'bk-b'), 40);
    for (const name of ['bk-b', 'bk-b-from-a-override']) {
      const override = (await eventsAbout(kc, name)).find((event) => event.reason === 'CrossTenantRestoreOverride');
      assert.ok(override, `a CrossTenantRestoreOverride Event on ${name}`);
      assert.equal(override.type, 'Warning');
      assert.ok(override.message?.includes(reason) && override.message.includes('bk-a'));
    }
  });
});
