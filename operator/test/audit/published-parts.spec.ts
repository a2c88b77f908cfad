/**
 * A signed report too large for one ConfigMap, published on the real control plane as the chart's
 * operator identity: it goes into parts under a manifest, the onboarding API's identity reads it
 * back byte for byte, the API serves it to auditors, `bulkhead audit verify --published` accepts
 * the ConfigMaps as kubectl exports them, the next report chains onto its digest, and a changed
 * part is refused by name (docs/decisions/0024).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnvironment } from '@bulkhead/testenv';
import { publishReport, readPublishedReport } from '../../src/audit/publish.js';
import {
  buildReport,
  digestOf,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKey,
  saveReport,
  serializeReport,
  signReport,
  verifyReport,
} from '../../src/audit/report/index.js';
import { sampleReportParts } from '../../src/audit/report/sample-parts.js';
import { parseReport } from '../../src/audit/report/verify.js';
import type { PublishedConfigMap } from '../../src/audit/publication.js';
import { KubeClient } from '../../src/kube/client.js';
import { apiFixture, listen } from '../api-server/support.js';
import { apiKubeconfig, applyChartIdentities, operatorKubeconfig } from '../support/operator-identity.js';
import { operatorRegions } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { bulkheadAudit } from './cli.js';
import { reportConfigMap, reportSigningSecret } from './report-identity.js';

const where = { namespace: 'bulkhead-system', name: reportConfigMap };
const keys = generateSigningKey();
const privateKey = loadPrivateKey(keys.privateKey, 'the spec key');

/** A signed report with about 4 MB of evidence that does not compress (random hex), so its gzip needs several parts. */
function largeReport(minute: number, previous: { digest: string } | null, checks = 40): Buffer {
  const parts = sampleReportParts();
  const padding = Array.from({ length: checks }, (_, i) => ({
    id: 'database.cross-tenant-login',
    category: 'database' as const,
    tenant: 'acme',
    title: `padding ${i}`,
    result: 'pass' as const,
    reason: 'Verified',
    message: 'refused',
    evidence: { noise: randomBytes(50_000).toString('hex') },
  }));
  const unsigned = buildReport({
    ...parts,
    checks: [...parts.checks, ...padding],
    generatedAt: new Date(Date.UTC(2026, 11, 6, 12, minute)),
    previous,
  });
  return serializeReport(signReport(unsigned, privateKey));
}

describe('a report too large for one ConfigMap', function () {
  this.timeout(120_000);
  let admin: KubeClient;
  let operator: KubeClient;
  let api: KubeClient;
  let dir: string;
  let publicKeyFile: string;

  before(async function () {
    await prepareCluster();
    // As installed with a signing key (only then does the chart let the operator publish reports),
    // and as audit-command.spec.ts installs it: the chart's Role names this report and its parts.
    applyChartIdentities({ regions: operatorRegions(), audit: { reportConfigMap, signingKeySecret: reportSigningSecret } });
    admin = KubeClient.load(testEnvironment().kubeconfig);
    operator = KubeClient.load(operatorKubeconfig());
    api = KubeClient.load(apiKubeconfig());
    dir = mkdtempSync(join(testEnvironment().dir, 'run', 'published-parts-'));
    publicKeyFile = join(dir, 'signing.pub.pem');
    writeFileSync(publicKeyFile, keys.publicKey);
  });

  after(async function () {
    const names = [reportConfigMap, ...Array.from({ length: 16 }, (_, i) => `${reportConfigMap}-part-${i + 1}`)];
    for (const name of names)
      await admin.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: where.namespace, name }).catch(() => undefined);
    for (const client of [admin, operator, api]) client.close();
  });

  /** The ConfigMaps as an auditor exports them: `kubectl get configmaps -l bulkhead.dev/audit-report=NAME -o json`. */
  async function exported(): Promise<string> {
    const list = await admin.list<PublishedConfigMap & { metadata: { name: string } }>('v1', 'ConfigMap', {
      namespace: where.namespace,
      labelSelector: `bulkhead.dev/audit-report=${reportConfigMap}`,
    });
    const file = join(dir, `exported-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: list.items }));
    return file;
  }

  it("is published in parts by the operator, read back byte for byte by the API, served to auditors and verified from kubectl's export", async function () {
    const report = largeReport(0, null);
    const published = await publishReport(operator, where, report);
    assert.ok(published.parts >= 2, `expected parts, got ${JSON.stringify(published)}`);

    const read = await readPublishedReport(api, where);
    assert.ok(read?.equals(report), 'the API identity reads the report exactly as signed');

    const fixture = apiFixture();
    const server = await listen(fixture.deps({ auditReports: { latest: () => readPublishedReport(api, where) } }));
    try {
      const served = await fetch(`${server.url}/v1/audit/report`, {
        headers: { authorization: `Bearer ${await fixture.mint('auditor', 'parts-spec-auditor')}` },
      });
      assert.equal(served.status, 200);
      assert.equal(verifyReport(Buffer.from(await served.arrayBuffer()), loadPublicKey(keys.publicKey, 'key')).ok, true);
    } finally {
      await server.close();
    }

    const verify = await bulkheadAudit(['verify', '--published', await exported(), '--public-key', publicKeyFile], {});
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, new RegExp(`^signature valid: keyId ${keys.keyId}, .*\\(${digestOf(report)}\\)`));
  });

  it('keeps the digest chain: the next report, published whole, names the reassembled one, and the two verify as a chain', async function () {
    const first = await readPublishedReport(operator, where);
    assert.ok(first);
    const next = largeReport(10, { digest: digestOf(first) }, 0);
    const published = await publishReport(operator, where, next);
    assert.equal(published.parts, 0, 'a report that fits goes back to the one ConfigMap');
    const read = (await readPublishedReport(api, where)) as Buffer;
    assert.ok(read.equals(next));
    const chain = join(dir, 'chain');
    mkdirSync(chain);
    for (const bytes of [first, read]) saveReport(chain, parseReport(bytes));
    const verify = await bulkheadAudit(['verify', '--chain', chain, '--public-key', publicKeyFile], {});
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /^chain valid: 2 reports/);
  });

  it("refuses a part changed in the cluster, naming it, in the API's read and in verify --published", async function () {
    await publishReport(operator, where, largeReport(20, null));
    const part = await admin.get<PublishedConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: where.namespace,
      name: `${reportConfigMap}-part-2`,
    });
    const slice = Buffer.from(part?.binaryData?.['part.gz'] ?? '', 'base64');
    slice[100] = (slice[100] ?? 0) ^ 0xff;
    await admin.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${reportConfigMap}-part-2`, namespace: where.namespace },
        binaryData: { 'part.gz': slice.toString('base64') },
      } as never,
      { fieldManager: 'bulkhead-audit', force: true },
    );
    await assert.rejects(
      readPublishedReport(api, where),
      new RegExp(`part ${reportConfigMap}-part-2 is \\d+ bytes with digest sha256:[0-9a-f]{64}, but the manifest says`),
    );
    const verify = await bulkheadAudit(['verify', '--published', await exported(), '--public-key', publicKeyFile], {});
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, new RegExp(`signature invalid: .*: not a published report: part ${reportConfigMap}-part-2`));
  });
});
