/**
 * The fleet audit report with two real control planes (decision 0047): the test environment's
 * cluster is cell eu-1, a control plane of its own is cell us-1. In each, `bulkhead audit` audits
 * that cluster and signs with that cell's own key, and the report is published as the operator
 * publishes it. The API reads each cell's report as the chart's cellApi identity (so this spec is
 * what rbac-minimal.spec.ts sees use that identity's report Role), serves both in one document with
 * each cell's bytes as signed, and `bulkhead audit verify --fleet` verifies it against the keys per
 * cell; a cell with no report is listed missing and a stopped cell unreachable, neither dropped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCellControlPlane, testEnvironment, type CellControlPlane } from '@bulkhead/testenv';
import { FleetAuditReports } from '../../src/api-server/cells/fleet-reports.js';
import { CellTenantStores } from '../../src/api-server/cells/cell-stores.js';
import { PgCellRegistry } from '../../src/api-server/cells/registry.js';
import { TenantCells } from '../../src/api-server/cells/routing.js';
import { FleetAuditReportSchema, type FleetAuditReport } from '../../src/audit/fleet/schema.js';
import { publishReport, readPublishedReport } from '../../src/audit/publish.js';
import { buildReport, serializeReport, signReport } from '../../src/audit/report/index.js';
import { sampleReportParts } from '../../src/audit/report/sample-parts.js';
import { generateSigningKey, loadPrivateKey, type KeyPairPem } from '../../src/audit/report/signing.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger } from '../../src/runtime/logging.js';
import { bulkheadAudit } from '../audit/cli.js';
import { cellApiServiceAccount, chartNamespace, recordUse } from '../support/operator-identity.js';
import { prepareCluster } from '../support/setup.js';
import { cellIdentityKubeconfig, cellValues, type CellTarget } from './cell-identity.js';
import { createTrailDatabase, type TrailDatabase } from './audit-trail-database.js';
import { apiFixture, call, listen, runId, type ApiFixture, type RunningApi } from './support.js';

const reportAt = { namespace: chartNamespace, name: 'bulkhead-audit-report' };

describe('the fleet audit report across two control planes', function () {
  this.timeout(5 * 60_000);
  let fixture: ApiFixture;
  let usPlane: CellControlPlane;
  let database: TrailDatabase;
  let cells: TenantCells;
  let api: RunningApi;
  let auditor: string;
  let dir: string;
  const keys: Record<string, KeyPairPem> = { 'eu-1': generateSigningKey(), 'us-1': generateSigningKey() };
  const admins: Record<string, KubeClient> = {};
  const targets: Record<string, CellTarget> = {};
  const secretOf = (cell: string) => ({ namespace: 'default', name: `fleet-${cell}-${runId}` });

  /** `bulkhead audit` of the cell's cluster signed with the cell's key, published where its operator would. */
  async function auditAndPublish(cell: string): Promise<Buffer> {
    const key = join(dir, `${cell}.key`);
    writeFileSync(key, keys[cell]?.privateKey ?? '', { mode: 0o600 });
    const out = join(dir, `${cell}-report.json`);
    const audit = await bulkheadAudit(['--no-probes', '--signing-key', key, '--out', out], {
      KUBECONFIG: targets[cell]?.kubeconfig,
      BULKHEAD_CONFIG: '',
    });
    assert.ok([0, 1].includes(audit.code), `bulkhead audit of ${cell} exited ${audit.code}: ${audit.stderr}`);
    const bytes = readFileSync(out);
    await publishReport(admins[cell] as KubeClient, reportAt, bytes);
    return bytes;
  }

  const fleetReport = async (): Promise<FleetAuditReport> => {
    const reply = await call(api, 'GET', '/v1/fleet/audit-report', { token: auditor });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return FleetAuditReportSchema.parse(reply.body);
  };

  /** `bulkhead audit verify --fleet` of `report` with a key file per cell, `cellKeys` overriding which key a cell gets. */
  function verifyFleet(report: FleetAuditReport, cellKeys: Record<string, string> = { 'eu-1': 'eu-1', 'us-1': 'us-1' }) {
    const file = join(dir, `fleet-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(report));
    const args = Object.entries(cellKeys).flatMap(([cell, keyOf]) => ['--cell', `${cell}=${join(dir, `${keyOf}.pub.pem`)}`]);
    return spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/bulkhead.js'), 'audit', 'verify', '--fleet', file, ...args], {
      encoding: 'utf8',
    });
  }

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    const env = testEnvironment();
    dir = mkdtempSync(join(env.dir, 'run', 'fleet-report-'));
    for (const [cell, pair] of Object.entries(keys)) writeFileSync(join(dir, `${cell}.pub.pem`), pair.publicKey);
    usPlane = await startCellControlPlane(`us-1-${runId}`, env.dir);
    targets['eu-1'] = { name: 'eu-1', kubeconfig: env.kubeconfig, kubectl: env.kubectl };
    targets['us-1'] = usPlane;
    recordUse(cellApiServiceAccount, cellValues);
    for (const [cell, target] of Object.entries(targets)) {
      admins[cell] = KubeClient.load(target.kubeconfig);
      await fixture.client.apply(
        { apiVersion: 'v1', kind: 'Secret', metadata: secretOf(cell), stringData: { kubeconfig: cellIdentityKubeconfig(target) } } as never,
        { fieldManager: 'fleet-report-spec' },
      );
    }
    database = await createTrailDatabase(`api_fleet_${runId}`);
    const registry = new PgCellRegistry({ url: database.apiUrl, allowExitOnIdle: true });
    await registry.ensureTables();
    for (const [cell, region] of [
      ['eu-1', 'eu-central-1'],
      ['us-1', 'us-east-1'],
    ] as const) {
      await registry.register({ name: cell, regions: [region], capacity: 10, state: 'open', kubeconfigSecret: secretOf(cell) });
    }
    const logger = createLogger({ silent: true });
    cells = new TenantCells(
      registry,
      new CellTenantStores(fixture.client, logger, { connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 }),
      fixture.tenants,
    );
    auditor = await fixture.mint('auditor');
    api = await listen(
      fixture.deps({ cells, fleetReports: new FleetAuditReports(cells, { where: reportAt, logger, staleAfterSeconds: 1800 }) }),
    );
  });

  after(async function () {
    await api?.close();
    await cells?.close();
    await admins['eu-1']?.delete({ apiVersion: 'v1', kind: 'ConfigMap', ...reportAt });
    for (const cell of Object.keys(targets)) await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...secretOf(cell) });
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    for (const client of Object.values(admins)) client.close();
    await usPlane?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is for auditors and platform admins, not sales ops', async function () {
    const sales = await fixture.mint('sales-ops');
    const refused = await call(api, 'GET', '/v1/fleet/audit-report', { token: sales });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
  });

  it('lists a cell that has published no report as missing, beside the cell that has', async function () {
    await auditAndPublish('eu-1');
    const report = await fleetReport();
    assert.deepEqual(
      report.cells.map((cell) => `${cell.name}:${cell.status}`),
      ['eu-1:reported', 'us-1:missing'],
    );
    assert.match(report.cells[1]?.detail ?? '', /published no report \(ConfigMap bulkhead-system\/bulkhead-audit-report not found\)/);
    assert.equal(report.summary.result === 'pass', false, 'a fleet with a missing cell never passes');
    const verified = verifyFleet(report);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /fleet report valid but incomplete: 1 of 2 cells/);
  });

  it("carries each cell's report byte for byte, each verifying against its own cell's key and no other", async function () {
    const usBytes = await auditAndPublish('us-1');
    const euBytes = await readPublishedReport(admins['eu-1'] as KubeClient, reportAt);
    const report = await fleetReport();
    assert.deepEqual(
      report.cells.map((cell) => `${cell.name}:${cell.status}`),
      ['eu-1:reported', 'us-1:reported'],
    );
    assert.deepEqual(Buffer.from(report.cells[0]?.report?.signedReport ?? '', 'base64'), euBytes);
    assert.deepEqual(Buffer.from(report.cells[1]?.report?.signedReport ?? '', 'base64'), usBytes);
    assert.equal(report.cells[0]?.report?.keyId, keys['eu-1']?.keyId);
    assert.equal(report.cells[1]?.report?.keyId, keys['us-1']?.keyId);
    const verified = verifyFleet(report);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /fleet report valid: every one of 2 cells reported/);
    const swapped = verifyFleet(report, { 'eu-1': 'us-1', 'us-1': 'eu-1' });
    assert.equal(swapped.status, 1, swapped.stdout);
    assert.match(swapped.stderr, /cell eu-1: signature invalid: signed by an untrusted key/);
  });

  it("carries a report published in parts, each part read with the cell's own identity", async function () {
    // About 4 MB of evidence that does not compress, so its gzip needs several ConfigMaps.
    const parts = sampleReportParts();
    const padding = Array.from({ length: 40 }, (_, i) => ({
      id: 'database.cross-tenant-login',
      category: 'database' as const,
      tenant: 'acme',
      title: `padding ${i}`,
      result: 'pass' as const,
      reason: 'Verified',
      message: 'refused',
      evidence: { noise: randomBytes(50_000).toString('hex') },
    }));
    const unsigned = buildReport({ ...parts, checks: [...parts.checks, ...padding], generatedAt: new Date(), previous: null });
    const large = serializeReport(signReport(unsigned, loadPrivateKey(keys['eu-1']?.privateKey ?? '', "eu-1's key")));
    // In eu-1, the environment's own cluster, whose audit log the RBAC minimality check reads.
    const eu = admins['eu-1'] as KubeClient;
    const before = await readPublishedReport(eu, reportAt);
    assert.ok(before, 'eu-1 published its report in the test before');
    const published = await publishReport(eu, reportAt, large);
    assert.ok(published.parts >= 2, `expected parts, got ${JSON.stringify(published)}`);
    try {
      const report = await fleetReport();
      const carried = report.cells.find((cell) => cell.name === 'eu-1');
      assert.equal(carried?.status, 'reported', carried?.detail);
      assert.deepEqual(Buffer.from(carried?.report?.signedReport ?? '', 'base64'), large);
      assert.equal(carried?.report?.keyId, keys['eu-1']?.keyId);
    } finally {
      await publishReport(eu, reportAt, before);
    }
  });

  it('marks a stopped cell unreachable within its timeouts and still carries the other cell', async function () {
    await usPlane.stopApiServer();
    const started = Date.now();
    const report = await fleetReport();
    assert.ok(Date.now() - started < 15_000, `the fleet report took ${Date.now() - started} ms`);
    assert.deepEqual(
      report.cells.map((cell) => `${cell.name}:${cell.status}`),
      ['eu-1:reported', 'us-1:unreachable'],
    );
    assert.match(report.cells[1]?.detail ?? '', /could not be reached/);
    assert.equal(report.summary.unreachable, 1);
    const verified = verifyFleet(report);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /us-1: unreachable, no evidence from this cell/);
  });
});
