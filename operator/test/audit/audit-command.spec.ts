/**
 * `bulkhead audit` end to end on the real control plane, PostgreSQL and KMS emulator: the command
 * signs a report of a correctly isolated fleet that verifies; the operator's periodic audit sets
 * IsolationVerified, counts findings and publishes the report the onboarding API serves to
 * auditors; and a sabotage (an allow-all NetworkPolicy) is found by all three, naming the tenant
 * and the policy, while the reports stay chained.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { clusterRanges, testEnvironment } from '@bulkhead/testenv';
import { readPublishedReport } from '../../src/audit/publish.js';
import { digestOf, loadPublicKey, parseReport, verifyReport } from '../../src/audit/report/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { apiFixture, listen, type RunningApi } from '../api-server/support.js';
import { applyObjects, eventually } from '../support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { condition, deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from '../support/tenants.js';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { toOscal } from '../../src/audit/export/oscal.js';
import { bulkheadAudit } from './cli.js';
import { reportConfigMap, reportSigningSecret } from './report-identity.js';

const tenants = ['auditcmd-a', 'auditcmd-b'];
const signingSecret = reportSigningSecret;

interface Check {
  id: string;
  tenant?: string;
  result: string;
  reason: string;
  message: string;
}
interface Report {
  checks: Check[];
  previous: { digest: string } | null;
  summary: { findings: number };
}

const aboutOurTenants = (report: Report): Check[] => report.checks.filter((check) => tenants.includes(check.tenant ?? ''));

/** A real report names a control for every check it holds, and its OSCAL export is valid against NIST's schema. */
function assertControlsAndExport(bytes: Buffer): void {
  const signed = parseReport(bytes);
  assert.deepEqual(signed.controls?.unmapped, [], 'every check of a real audit is in the controls mapping');
  const segregation = signed.controls?.controls.find((control) => control.id === '8.22');
  for (const tenant of tenants) assert.ok(segregation?.tenants.includes(tenant), `8.22 names ${tenant}`);
  assert.ok(segregation?.checks.some((check) => check.id === 'network.ingress'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const schema = JSON.parse(
    readFileSync(new URL('../../vendor/oscal/v1.1.3/oscal_assessment-results_schema.json', import.meta.url), 'utf8'),
  ) as object;
  const validate = ajv.compile(schema);
  const valid = validate(toOscal(signed, digestOf(bytes), 'clean.json'));
  assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5)));
}

describe('bulkhead audit on a live fleet', function () {
  this.timeout(240_000);
  let kc: k8s.KubeConfig;
  let client: KubeClient;
  let dir: string;
  let cliEnv: NodeJS.ProcessEnv;
  let publicKeyFile: string;
  let operator: OperatorProcess | undefined;

  const auditingOperator = (): OperatorProcess =>
    startOperator({
      audit: { enabled: true, initialDelaySeconds: 1, intervalSeconds: 3600, signingKeySecret: signingSecret, reportConfigMap },
    });

  before(async function () {
    const env = testEnvironment();
    kc = await prepareCluster();
    client = KubeClient.load(env.kubeconfig);
    dir = mkdtempSync(join(env.dir, 'run', 'audit-command-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    publicKeyFile = join(dir, 'signing.pub.pem');
    writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: signingSecret.namespace,
      body: {
        metadata: { name: signingSecret.name },
        stringData: { 'private.pem': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      },
    });
    const configFile = join(dir, 'operator.yaml');
    // The operator's configuration, as the auditor runs the command with it (startOperator's network settings included).
    writeFileSync(
      configFile,
      stringify({
        regions: operatorRegions(),
        network: { clusterCIDRs: clusterRanges(env) },
        audit: { signingKeySecret: signingSecret, reportConfigMap },
      }),
    );
    cliEnv = { KUBECONFIG: env.kubeconfig, BULKHEAD_CONFIG: configFile };
    operator = startOperator();
    await applyObjects(
      kc,
      tenants.map((name) => tenantManifest(name)),
    );
    for (const name of tenants) await waitForReady(kc, name);
  });

  afterEach(function () {
    // On a failure, show what the operator's audit said (its log is otherwise lost with the process).
    if (this.currentTest?.state !== 'failed') return;
    for (const line of operator?.logs.filter((l) => /audit/i.test(String(l.message))) ?? []) console.log(JSON.stringify(line));
  });

  after(async function () {
    await operator?.stop();
    await kc
      .makeApiClient(k8s.NetworkingV1Api)
      .deleteNamespacedNetworkPolicy({ namespace: 'tenant-auditcmd-b', name: 'allow-all' })
      .catch(() => undefined);
    operator = startOperator();
    await deleteTenantsAndWait(kc, tenants);
    await operator.stop();
    await kc
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespacedSecret(signingSecret)
      .catch(() => undefined);
    client.close();
  });

  it('signs a report in which every check about a correctly isolated tenant passes, and the report verifies', async function () {
    const out = join(dir, 'clean.json');
    const reportDir = join(dir, 'reports');
    mkdirSync(reportDir);
    const result = await bulkheadAudit(['--format', 'json', '--out', out, '--report-dir', reportDir], cliEnv);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.deepEqual(
      aboutOurTenants(report).filter((check) => check.result !== 'pass'),
      [],
      result.stderr,
    );
    const categories = new Set(aboutOurTenants(report).map((check) => check.id.split('.')[0]));
    assert.deepEqual([...categories].sort(), ['access', 'database', 'guardrails', 'key', 'network'], 'every part looked at each tenant');
    assert.equal(result.code, report.summary.findings > 0 ? 1 : 0, 'the exit code says whether anything was found');
    const verification = verifyReport(readFileSync(out), loadPublicKey(readFileSync(publicKeyFile), publicKeyFile));
    assert.equal(verification.ok, true, JSON.stringify(verification));
    assertControlsAndExport(readFileSync(out));
    assert.deepEqual(
      readdirSync(reportDir)
        .sort()
        .map((name) => name.replace(/^audit-.*\./, 'audit.')),
      ['audit.html', 'audit.json'],
    );
  });

  it('lets the operator mark each tenant IsolationVerified and publish the signed report the API serves to auditors only', async function () {
    await operator?.stop();
    operator = auditingOperator();
    for (const name of tenants) {
      await eventually(
        `${name} IsolationVerified`,
        async () => (condition(await readTenant(kc, name), 'IsolationVerified')?.status === 'True' ? true : undefined),
        120_000,
      );
    }
    const where = { namespace: 'bulkhead-system', name: reportConfigMap };
    const published = await eventually('the published report', () => readPublishedReport(client, where));
    const fixture = apiFixture();
    const api: RunningApi = await listen(fixture.deps({ auditReports: { latest: () => readPublishedReport(client, where) } }));
    try {
      const served = await fetch(`${api.url}/v1/audit/report`, { headers: { authorization: `Bearer ${await fixture.mint('auditor')}` } });
      assert.equal(served.status, 200);
      const bytes = Buffer.from(await served.arrayBuffer());
      assert.ok(bytes.equals(published), 'served byte for byte as signed');
      assert.equal(verifyReport(bytes, loadPublicKey(readFileSync(publicKeyFile), publicKeyFile)).ok, true);
      const sales = await fetch(`${api.url}/v1/audit/report`, { headers: { authorization: `Bearer ${await fixture.mint('sales-ops')}` } });
      assert.equal(sales.status, 403);
    } finally {
      await api.close();
    }
  });

  it('finds an allow-all NetworkPolicy added to one tenant: the command exits 1, the condition turns False, the metric counts it, the reports stay chained', async function () {
    const where = { namespace: 'bulkhead-system', name: reportConfigMap };
    const before = (await readPublishedReport(client, where)) as Buffer;
    await kc.makeApiClient(k8s.NetworkingV1Api).createNamespacedNetworkPolicy({
      namespace: 'tenant-auditcmd-b',
      body: { metadata: { name: 'allow-all' }, spec: { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] } },
    });

    const result = await bulkheadAudit(['--tenant', 'auditcmd-b', '--format', 'text', '--no-probes'], cliEnv);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /UndeclaredIngress/);
    assert.match(result.stdout, /tenant-auditcmd-b\/allow-all/);

    await operator?.stop();
    operator = auditingOperator();
    const violated = await eventually(
      'auditcmd-b IsolationViolated',
      async () => {
        const found = condition(await readTenant(kc, 'auditcmd-b'), 'IsolationVerified');
        return found?.status === 'False' ? found : undefined;
      },
      120_000,
    );
    assert.equal(violated.reason, 'IsolationViolated');
    assert.match(violated.message, /network\.ingress UndeclaredIngress/);
    assert.equal(condition(await readTenant(kc, 'auditcmd-a'), 'IsolationVerified')?.status, 'True', 'the other tenant is still isolated');
    const metrics = await (await fetch(await operator.metricsUrl())).text();
    assert.match(metrics, /^bulkhead_audit_findings\{category="network"\} [1-9]/m);

    const after = await eventually('a newer published report', async () => {
      const current = await readPublishedReport(client, where);
      return current && !current.equals(before) ? current : undefined;
    });
    assert.equal(parseReport(after).previous?.digest, digestOf(before), 'the new report names the digest of the one before it');
  });
});
