/**
 * `bulkhead tenant suspend|resume|backups` against the real kube-apiserver with the caller's
 * kubeconfig: suspend and resume set spec.suspended under the CLI's own field manager and say when
 * nothing changed, an unknown tenant exits 1 naming it, and backups prints what status.backups
 * lists. (What the operator does with spec.suspended is tenant-suspension.spec.ts's subject.)
 */
import assert from 'node:assert/strict';
import { testEnvironment } from '@bulkhead/testenv';
import { apiVersion, tenantKind } from '../src/api/index.js';
import { ExitCode } from '../src/cli/exit-codes.js';
import { runBulkhead } from '../src/cli/testing.js';
import { KubeClient } from '../src/kube/client.js';
import type { KubeObject } from '../src/runtime/types.js';
import { applyObjects } from './support/cluster.js';
import { prepareCluster } from './support/setup.js';
import { tenantManifest } from './support/tenants.js';

const name = `cli-${process.pid.toString(36)}`;
const backup = { id: '20261206T120000Z-abcdef', createdAt: '2026-12-06T12:00:00Z', size: 2048, reason: 'Scheduled' };

describe('bulkhead tenant suspend, resume and backups', function () {
  let client: KubeClient;
  const env = () => ({ KUBECONFIG: testEnvironment().kubeconfig });
  const bulkhead = (...argv: string[]) => runBulkhead(argv, { env: env() });
  const suspended = async () =>
    (await client.get<KubeObject & { spec: { suspended?: boolean } }>({ apiVersion, kind: tenantKind, name }))?.spec.suspended;

  before(async function () {
    const kc = await prepareCluster();
    client = KubeClient.load(testEnvironment().kubeconfig);
    await applyObjects(kc, [tenantManifest(name)]);
  });

  after(async function () {
    await client.delete({ apiVersion, kind: tenantKind, name });
    client.close();
  });

  it('suspends and resumes a tenant through spec.suspended, as the CLI, and changes nothing the second time', async function () {
    const suspend = await bulkhead('tenant', 'suspend', name);
    assert.equal(suspend.code, ExitCode.ok, suspend.stderr);
    assert.match(suspend.stdout, new RegExp(`Tenant ${name} suspended`));
    assert.equal(await suspended(), true);
    const tenant = await client.get<KubeObject & { metadata: { managedFields?: { manager?: string }[] } }>({
      apiVersion,
      kind: tenantKind,
      name,
    });
    assert.ok(
      tenant?.metadata.managedFields?.some((field) => field.manager === 'bulkhead-cli'),
      'written by the CLI',
    );

    const again = await bulkhead('tenant', 'suspend', name, '-o', 'json');
    assert.equal(again.code, ExitCode.ok, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { name, suspended: true, changed: false });

    const resume = await bulkhead('tenant', 'resume', name);
    assert.equal(resume.code, ExitCode.ok, resume.stderr);
    assert.equal(await suspended(), false);
  });

  it('exits 1 naming a tenant that does not exist', async function () {
    const run = await bulkhead('tenant', 'suspend', `${name}-none`);
    assert.equal(run.code, ExitCode.failed);
    assert.match(run.stderr, new RegExp(`No tenant named ${name}-none`));
  });

  it("lists the tenant's backups from its status, newest first", async function () {
    assert.match((await bulkhead('tenant', 'backups', name)).stdout, new RegExp(`Tenant ${name} lists no backups`));
    await client.applyStatus(
      { apiVersion, kind: tenantKind, metadata: { name }, status: { backups: { latest: [backup] } } } as KubeObject,
      { fieldManager: 'tenant-cli-spec', force: true },
    );
    const text = await bulkhead('tenant', 'backups', name);
    assert.equal(text.code, ExitCode.ok, text.stderr);
    assert.match(text.stdout, /^ID\s+CREATED\s+SIZE\s+KIND\n20261206T120000Z-abcdef\s+2026-12-06T12:00:00Z\s+2048\s+Scheduled\n$/);
    const json = JSON.parse((await bulkhead('tenant', 'backups', name, '-o', 'json')).stdout) as { items: unknown[] };
    assert.deepEqual(json.items, [{ id: backup.id, createdAt: backup.createdAt, size: 2048, kind: 'Scheduled' }]);
  });
});
