/**
 * The operator's signing key changes, on the real control plane: the periodic audit records the
 * hand-over signed by the old key, whether it still holds that key in memory (the Secret was
 * replaced under it) or the Secret carries it as previous.pem (after a restart), so the published
 * reports verify as one chain from the first key alone; with the old key gone it starts a new
 * chain and the report says so (docs/decisions/0034).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { clusterRanges, testEnvironment } from '@bulkhead/testenv';
import { parseOperatorConfig } from '../../src/api/operator-config.js';
import { createOperatorAudit } from '../../src/audit/operator-audit.js';
import { readPublishedReport } from '../../src/audit/publish.js';
import { generateSigningKey, loadPublicKey, parseReport, saveReport, verifyChain } from '../../src/audit/report/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { unelectedFence } from '../../src/runtime/fence.js';
import { createLogger } from '../../src/runtime/logging.js';
import { applyObjects } from '../support/cluster.js';
import { operatorRegions } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';

const secret = { namespace: 'bulkhead-system', name: 'rotation-spec-signing-key' };
const where = { namespace: 'bulkhead-system', name: 'rotation-spec-report' };
const base64 = (text: string): string => Buffer.from(text).toString('base64');
const keys = [generateSigningKey(), generateSigningKey(), generateSigningKey(), generateSigningKey()] as const;

describe('the periodic audit across a signing key rotation', function () {
  this.timeout(300_000);
  let admin: k8s.KubeConfig;
  let client: KubeClient;
  let chain: string;

  // Built when a test runs: the environment exists only then.
  const config = () =>
    parseOperatorConfig({
      regions: operatorRegions(),
      network: { clusterCIDRs: clusterRanges(testEnvironment()) },
      audit: { signingKeySecret: secret, reportConfigMap: where.name },
      logLevel: 'error',
    });
  // As the operator runs it: each pass in a process of its own (docs/decisions/0068), so the key
  // the Secret held before reaches the next pass only through the operator.
  const leadership = new AbortController();
  const periodicAudit = () =>
    createOperatorAudit({
      client,
      cluster: { kubeconfig: testEnvironment().kubeconfig },
      config: config(),
      logger: createLogger({ level: 'error' }),
      registry: new Registry(),
      leadership: { signal: leadership.signal, fence: unelectedFence(leadership.signal) },
    });

  /** The Secret with `private.pem` and, if given, `previous.pem`. */
  const signingSecret = (current: string, previous?: string) =>
    applyObjects(admin, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: secret,
        // Applied by one field manager: a previous.pem of an earlier step is removed when left out.
        data: { 'private.pem': base64(current), ...(previous ? { 'previous.pem': base64(previous) } : {}) },
      } as k8s.KubernetesObject,
    ]);

  /** Runs one audit, keeps the published report in the chain directory, and returns it. */
  async function auditAndKeep(audit: ReturnType<typeof periodicAudit>) {
    assert.equal(await audit.runOnce(), true);
    const published = await readPublishedReport(client, where);
    assert.ok(published, 'a report was published');
    const report = parseReport(published);
    saveReport(chain, report);
    return report;
  }

  before(async function () {
    admin = await prepareCluster();
    client = KubeClient.load(testEnvironment().kubeconfig);
    chain = mkdtempSync(join(testEnvironment().dir, 'run', 'key-rotation-'));
  });

  after(async function () {
    for (const name of [where.name, ...Array.from({ length: 16 }, (_, i) => `${where.name}-part-${i + 1}`)])
      await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: where.namespace, name }).catch(() => undefined);
    await client.delete({ apiVersion: 'v1', kind: 'Secret', ...secret }).catch(() => undefined);
    client.close();
  });

  it('records the hand-over from the key it signed with when the Secret changes under it, and from previous.pem after a restart', async function () {
    const running = periodicAudit();
    await signingSecret(keys[0].privateKey);
    const first = await auditAndKeep(running);
    assert.equal(first.signature.keyId, keys[0].keyId);

    await signingSecret(keys[1].privateKey);
    const handedOver = await auditAndKeep(running);
    assert.deepEqual([handedOver.rotation?.from.keyId, handedOver.rotation?.to.keyId], [keys[0].keyId, keys[1].keyId]);
    assert.equal(handedOver.rotation?.at, handedOver.generatedAt);

    await signingSecret(keys[2].privateKey, keys[1].privateKey);
    const afterRestart = await auditAndKeep(periodicAudit());
    assert.deepEqual([afterRestart.rotation?.from.keyId, afterRestart.signature.keyId], [keys[1].keyId, keys[2].keyId]);

    const verified = verifyChain(chain, [loadPublicKey(keys[0].publicKey, 'first key')]);
    assert.equal(verified.ok, true, verified.ok ? '' : `${verified.file}: ${verified.reason}`);
    assert.deepEqual(verified.ok ? verified.keyIds : [], [keys[0].keyId, keys[1].keyId, keys[2].keyId]);
  });

  it('starts a new chain, saying so in the report, when the old key is gone', async function () {
    await signingSecret(keys[3].privateKey);
    const restarted = await auditAndKeep(periodicAudit());
    assert.equal(restarted.previous, null);
    assert.equal(restarted.rotation, undefined);
    assert.match(
      restarted.limitations.at(-1) ?? '',
      new RegExp(`^This report starts a new chain: .* was signed by keyId ${keys[2].keyId}, which the operator no longer holds`),
    );
    const verified = verifyChain(chain, [loadPublicKey(keys[0].publicKey, 'first key'), loadPublicKey(keys[3].publicKey, 'new key')]);
    assert.match(verified.ok ? '' : verified.reason, /names no previous report, .*: a new chain was started/);
  });
});
