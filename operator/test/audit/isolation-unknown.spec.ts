/**
 * IsolationVerified is never True on the strength of an audit that could not look: the periodic
 * audit, against the real control plane, PostgreSQL and KMS emulator, first verifies a clean tenant
 * (True); without its KMS credentials the key checks cannot be carried out and the condition turns
 * Unknown naming them; a run that fails as a whole turns it Unknown with the error, instead of
 * leaving the earlier True in place.
 */
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { clusterRanges, testEnvironment } from '@bulkhead/testenv';
import { parseOperatorConfig, type OperatorConfig } from '../../src/api/operator-config.js';
import { measured, recordOutcome } from '../../src/audit/operator-audit-pass.js';
import { PeriodicAudit, type AuditRunOutcome } from '../../src/audit/periodic.js';
import { runAudit } from '../../src/audit/run.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger } from '../../src/runtime/logging.js';
import { applyObjects } from '../support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { condition, deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from '../support/tenants.js';

const tenant = 'isou-a';

describe('IsolationVerified when part of the audit cannot look', function () {
  this.timeout(180_000);
  let admin: k8s.KubeConfig;
  let client: KubeClient;
  let operator: OperatorProcess | undefined;

  /** One periodic run, as the operator's leader makes it, with this configuration (or this failure). */
  const logger = createLogger({ level: 'error' });
  const runOnce = (run: () => Promise<AuditRunOutcome>): Promise<boolean> =>
    new PeriodicAudit({
      client,
      logger,
      registry: new Registry(),
      run: () => measured(logger, async (phases) => recordOutcome({ client, logger }, await run(), phases)),
      initialDelayMs: 0,
      intervalMs: 0,
    }).runOnce();
  const audit = (config: OperatorConfig) => async (): Promise<AuditRunOutcome> => {
    const { tenants, checks } = await runAudit({ client, config, scope: { kind: 'all' }, liveProbes: false, previous: null });
    return { tenants, checks };
  };
  const configWith = (regions: ReturnType<typeof operatorRegions>): OperatorConfig =>
    parseOperatorConfig({ regions, network: { clusterCIDRs: clusterRanges(testEnvironment()) } });
  const isolation = async () => condition(await readTenant(admin, tenant), 'IsolationVerified');

  before(async function () {
    admin = await prepareCluster();
    client = KubeClient.load(testEnvironment().kubeconfig);
    operator = startOperator({ audit: { enabled: false } });
    await applyObjects(admin, [tenantManifest(tenant, { database: { deletionPolicy: 'Delete' } })]);
    await waitForReady(admin, tenant);
  });

  after(async function () {
    await deleteTenantsAndWait(admin, [tenant]);
    await operator?.stop();
    client.close();
  });

  it('is True after a run that looked at everything and found nothing', async function () {
    assert.equal(await runOnce(audit(configWith(operatorRegions()))), true);
    const verified = await isolation();
    assert.equal(verified?.status, 'True', verified?.message);
  });

  it('turns Unknown, naming the key checks, when the KMS cannot be used', async function () {
    const regions = operatorRegions();
    const missing = { namespace: 'bulkhead-system', name: 'isou-missing-kms-credentials' };
    const down = Object.fromEntries(
      Object.entries(regions).map(([name, settings]) => [name, { ...settings, kms: { ...settings.kms, credentialsSecret: missing } }]),
    );
    assert.equal(await runOnce(audit(configWith(down as typeof regions))), true, 'the run itself completes');
    const verified = await isolation();
    assert.deepEqual([verified?.status, verified?.reason], ['Unknown', 'AuditIncomplete'], verified?.message);
    assert.match(verified?.message ?? '', /key\.[a-z-]+ [A-Z][A-Za-z]+:/);
  });

  it('turns Unknown with the error when the run fails as a whole, never keeping an earlier True', async function () {
    assert.equal(await runOnce(audit(configWith(operatorRegions()))), true);
    assert.equal((await isolation())?.status, 'True');
    assert.equal(await runOnce(() => Promise.reject(new Error('cannot list Tenants: the API server is unavailable'))), false);
    const verified = await isolation();
    assert.deepEqual([verified?.status, verified?.reason], ['Unknown', 'AuditFailed']);
    assert.match(verified?.message ?? '', /could not run: cannot list Tenants: the API server is unavailable/);
  });
});
