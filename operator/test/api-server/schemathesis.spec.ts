/**
 * Property-based testing of the onboarding API from its own OpenAPI document: schemathesis
 * (installed into a cached virtualenv by hack/install-schemathesis.sh) generates valid and invalid
 * requests for every operation and sends them, as a platform admin, to the real app in front of
 * the real control plane and audit trail. Fails on any 5xx and on any response that does not match
 * the document. The app has a cell registry (in the trail's database) with one cell, fuzz-1, which
 * is the environment's cluster itself: the cell routes are fuzzed for real, and every cell the
 * fuzzer can register names a Secret the API can read (registration refuses any other with 422),
 * so no tenant is placed where the documented 503 `cell-unavailable` would count as a server error.
 * cells.spec.ts covers two real clusters and an unreachable one. The tenants' statuses put one in
 * each database tier (and one mid-promotion), so the tiers in the view and the refused demotion are
 * fuzzed too.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testEnvironment } from '@bulkhead/testenv';
import { apiVersion, tenantKind } from '../../src/api/index.js';
import { tenantRestoreKind } from '../../src/api/tenant-restore.js';
import { createdByAnnotation } from '../../src/api-server/idempotency.js';
import type { KubeObject } from '../../src/runtime/types.js';
import { openApiDocument } from '../../src/api-server/openapi.js';
import { LocalRateLimit } from '../../src/api-server/rate-limit/local.js';
import { publishReport, readPublishedReport } from '../../src/audit/publish.js';
import { prepareCluster } from '../support/setup.js';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { CellTenantStores } from '../../src/api-server/cells/cell-stores.js';
import { PgCellRegistry } from '../../src/api-server/cells/registry.js';
import { TenantCells } from '../../src/api-server/cells/routing.js';
import { FleetAuditReports } from '../../src/api-server/cells/fleet-reports.js';
import { createLogger } from '../../src/runtime/logging.js';
import { createTrailDatabase, type TrailDatabase } from './audit-trail-database.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type RunningApi } from './support.js';

const run = promisify(execFile);
/** schemathesis_hooks.py: a fresh Idempotency-Key per generated request, as a real client sends. */
const hooksDir = fileURLToPath(new URL('.', import.meta.url));
const bulkheadCli = fileURLToPath(new URL('../../bin/bulkhead.js', import.meta.url));
/** Tenants that exist, offered for most generated names, so the routes behind the 404 are exercised. */
const tenantNames = ['a', 'b', 'c', 'd'].map((suffix) => `st${runId}-${suffix}`);
/**
 * The ones a generated DELETE may name. The last is never offered to it: a restore into a tenant
 * being deleted is refused (409), so a run whose DELETEs happened to reach every tenant first had
 * every restore refused and failed on missing test data (seed 56025901727740235795688320247451988017).
 */
const deletableNames = tenantNames.slice(0, 3);
const heldFinalizer = 'bulkhead.dev/schemathesis-spec';
const reportConfigMap = { namespace: 'default', name: `schemathesis-audit-report-${runId}` };
/**
 * The database each tenant's status reports, as the operator would: one of its own (a PATCH to the
 * pooled plan is then a demotion, refused with 422), one in the pool mid-promotion, one in the pool.
 */
const fuzzedTiers = [
  { name: 'tenant_fuzz', host: 'db', port: 5432 },
  { name: 'bulkhead_pool', schema: 'tenant_fuzz_b', promotion: { step: 'Copying', startedAt: '2026-12-07T02:00:00Z' } },
  { name: 'bulkhead_pool', schema: 'tenant_fuzz_c' },
  { name: 'tenant_fuzz_d', host: 'db', port: 5432 },
];
/** A backup each tenant's status lists, as the operator's scheduler would, so restore requests get past the backup check. */
const backupId = '20261206T120000Z-5c4e3a';

/** `bulkhead audit` of the live cluster, signed with a key made for the run: a real report's bytes. */
function signedAuditReport(dir: string): Buffer {
  const key = join(dir, 'signing.pem');
  writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const out = join(dir, 'report.json');
  spawnSync(process.execPath, [bulkheadCli, 'audit', '--no-probes', '--signing-key', key, '--out', out], {
    env: { ...process.env, KUBECONFIG: testEnvironment().kubeconfig, BULKHEAD_CONFIG: '' },
    encoding: 'utf8',
  });
  return readFileSync(out);
}
const installer = fileURLToPath(new URL('../../../hack/install-schemathesis.sh', import.meta.url));

describe('the onboarding API under schemathesis', function () {
  this.timeout(15 * 60_000);
  let fixture: ApiFixture;
  let api: RunningApi;
  let token: string;
  let dir: string;
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  let cells: TenantCells;
  const tokenName = `schemathesis-${runId}`;
  const cellSecret = { namespace: 'default', name: `schemathesis-cell-${runId}` };

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    token = await fixture.mint('platform-admin', tokenName);
    // Thousands of requests from one caller: the rate limit is not what is under test here.
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-schemathesis-'));
    // A real signed report for GET /v1/audit/report, so the auditor's route is fuzzed past its 404.
    await publishReport(fixture.client, reportConfigMap, signedAuditReport(dir));
    database = await createTrailDatabase(`api_schemathesis_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    const registry = new PgCellRegistry({ url: database.apiUrl, allowExitOnIdle: true });
    await fixture.client.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: cellSecret,
        stringData: { kubeconfig: readFileSync(testEnvironment().kubeconfig, 'utf8') },
      } as never,
      { fieldManager: 'schemathesis-spec' },
    );
    await registry.register({
      name: 'fuzz-1',
      regions: ['eu-central-1'],
      capacity: 1_000_000,
      state: 'open',
      kubeconfigSecret: cellSecret,
    });
    const logger = createLogger({ silent: true });
    cells = new TenantCells(registry, new CellTenantStores(fixture.client, logger), fixture.tenants);
    api = await listen(
      fixture.deps({
        rateLimit: new LocalRateLimit({ capacity: 1_000_000, refillPerSecond: 1_000_000 }),
        auditReports: { latest: () => readPublishedReport(fixture.client, reportConfigMap) },
        auditTrail: trail,
        cells,
        // The fleet report reads fuzz-1 (this cluster) where the report above is published.
        fleetReports: new FleetAuditReports(cells, { where: reportConfigMap, logger, staleAfterSeconds: 1800 }),
      }),
    );
  });

  after(async function () {
    await api?.close();
    await cells?.close();
    await trail?.close();
    await database?.drop();
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...cellSecret });
    // Delete what the generated requests created: every tenant this run's token created.
    for (const name of tenantNames) {
      await fixture.client
        .mergePatch(
          { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'Tenant', name },
          { metadata: { finalizers: null } },
          { fieldManager: 'schemathesis-spec' },
        )
        .catch(() => undefined);
    }
    // And every TenantRestore it asked for (no operator runs here, so none of them ran).
    const restores = await fixture.client.list<KubeObject>(apiVersion, tenantRestoreKind, { limit: 1000 });
    for (const restore of restores.items.filter((r) => r.metadata.annotations?.[createdByAnnotation] === `token:${tokenName}`)) {
      await fixture.client.delete({ apiVersion, kind: tenantRestoreKind, name: restore.metadata.name });
    }
    const page = await fixture.tenants.list({ limit: 1000 });
    for (const tenant of page.items.filter((t) => t.metadata.annotations?.[createdByAnnotation] === `token:${tokenName}`)) {
      await fixture.tenants.delete(tenant.metadata.name, tenant.metadata.uid ?? '');
    }
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', ...reportConfigMap });
    fixture?.client.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds no server error and no response outside the OpenAPI document', async function () {
    const st = execFileSync('bash', [installer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const schema = join(dir, 'openapi.json');
    const restoreIds: string[] = [];
    writeFileSync(schema, JSON.stringify(openApiDocument()));
    // Plans that exist, offered for most generated plan names, so the plan check passes too.
    for (const name of tenantNames) {
      const created = await call(api, 'POST', '/v1/tenants', {
        token,
        body: newTenant(name),
        headers: { 'idempotency-key': `st-${name}` },
      });
      assert.equal(created.status, 202);
      // Held by a finalizer, as the operator would hold it: a fuzzed DELETE marks it Deleting and
      // later requests still find it, instead of the rest of the run meeting 404s.
      await fixture.client.mergePatch(
        { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'Tenant', name },
        { metadata: { finalizers: [heldFinalizer] } },
        { fieldManager: 'schemathesis-spec' },
      );
      await fixture.client.applyStatus(
        {
          apiVersion,
          kind: tenantKind,
          metadata: { name },
          status: {
            backups: { latest: [{ id: backupId, createdAt: '2026-12-06T12:00:00Z', size: 1024, reason: 'Scheduled' }] },
            database: fuzzedTiers[tenantNames.indexOf(name)],
          },
        } as KubeObject,
        { fieldManager: 'schemathesis-spec', force: true },
      );
      // A restore of each, so GET .../restores/{restore} is fuzzed past its 404 too.
      const restore = await call(api, 'POST', `/v1/tenants/${name}/restores`, {
        token,
        body: { backupId },
        headers: { 'idempotency-key': `st-restore-${name}` },
      });
      assert.equal(restore.status, 202, JSON.stringify(restore.body));
      restoreIds.push((restore.body as { id: string }).id);
    }
    writeFileSync(
      join(dir, 'schemathesis.toml'),
      [
        `[dictionaries.tenants]\nvalues = ${JSON.stringify(tenantNames)}`,
        `[dictionaries.deletable]\nvalues = ${JSON.stringify(deletableNames)}`,
        '[dictionaries.plans]\nvalues = ["standard", "enterprise", "pooled"]',
        `[dictionaries.restores]\nvalues = ${JSON.stringify(restoreIds)}`,
        `[dictionaries.backups]\nvalues = ${JSON.stringify([backupId])}`,
        '[dictionaries.cells]\nvalues = ["fuzz-1"]',
        [
          '[parameters]',
          '"path.name" = { dictionary = "tenants", probability = 0.7 }',
          '"path.restore" = { dictionary = "restores", probability = 0.7 }',
          '"path.cell" = { dictionary = "cells", probability = 0.7 }',
          '"body.plan" = { dictionary = "plans", probability = 0.7 }',
          '"body.backupId" = { dictionary = "backups", probability = 0.7 }',
          '"body.fromTenant" = { dictionary = "tenants", probability = 0.7 }',
        ].join('\n'),
        [
          '[[operations]]',
          'include-name = "DELETE /v1/tenants/{name}"',
          'parameters = { "path.name" = { dictionary = "deletable", probability = 0.7 } }',
        ].join('\n'),
        // Fail when an operation was only ever answered 404 or 401/403: then it was not really tested.
        // Not on validation_mismatch: creation rules that depend on the cluster (the plan exists, the
        // name is free, app.values keys the plan allows, CIDR host bits) cannot be written in JSON
        // Schema, so a random run sometimes has every generated create refused, rightly.
        '[warnings]\nfail-on = ["missing_test_data", "missing_auth"]',
      ].join('\n\n'),
    );
    const args = [
      'run',
      schema,
      '--url',
      api.url,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      process.env.BULKHEAD_SCHEMATHESIS_EXAMPLES ?? '50',
      // One worker: with two, schemathesis parses Python source (hypothesis's lambda descriptions) in
      // two threads, and CPython before 3.11.8 can then fail with "SystemError: AST constructor
      // recursion depth mismatch" (gh-106905; this machine's Python is 3.11.7).
      '--workers',
      '1',
      '--request-timeout',
      '20',
      '--generation-database',
      'none',
      '--no-color',
      '--output-sanitize',
      'true',
      // Replays a failing run: schemathesis prints its seed at the end of every report.
      ...(process.env.BULKHEAD_SCHEMATHESIS_SEED ? ['--seed', process.env.BULKHEAD_SCHEMATHESIS_SEED] : []),
    ];
    const started = Date.now();
    const result = await run(st, args, {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, SCHEMATHESIS_HOOKS: 'schemathesis_hooks', PYTHONPATH: hooksDir },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    const summary = result.stdout.split('\n').slice(-40).join('\n');
    console.log(
      `    schemathesis ran in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary
        .split('\n')
        .filter((l) => /passed|failed|cases|operations/i.test(l))
        .join(' | ')}`,
    );
    // On failure show the whole report (its ERRORS and FAILURES sections come before the summary).
    assert.equal(result.code, 0, `schemathesis found problems:\n${result.stdout.split('\n').slice(-400).join('\n')}`);
    assert.doesNotMatch(result.stdout, new RegExp(token), 'the token must not be printed');
  });
});
