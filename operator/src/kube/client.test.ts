import assert from 'node:assert/strict';
import { LeadershipNotConfirmed, type LeadershipFence } from '../runtime/fence.js';
import { KubeClient } from './client.js';
import type { RequestSpec, Transport } from './transport.js';

/** Answers discovery for v1 and apps, and {} to anything else; records every request. */
class RecordingTransport {
  readonly requests: RequestSpec[] = [];

  json<T>(spec: RequestSpec): Promise<T> {
    this.requests.push(spec);
    const answers: Record<string, unknown> = {
      '/api/v1': {
        resources: [
          { name: 'namespaces', kind: 'Namespace', namespaced: false },
          { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
        ],
      },
      '/apis/apps': { preferredVersion: { groupVersion: 'apps/v1' } },
      '/apis/apps/v1': {
        resources: [
          { name: 'deployments', kind: 'Deployment', namespaced: true },
          { name: 'deployments/scale', kind: 'Scale', namespaced: true },
        ],
      },
    };
    return Promise.resolve((answers[spec.path] ?? { items: [], metadata: { resourceVersion: '1' } }) as T);
  }
}

describe('KubeClient', function () {
  let transport: RecordingTransport;
  let client: KubeClient;
  const namespace = { apiVersion: 'v1', kind: 'Namespace', name: 'tenant-a' };
  const writes = (): RequestSpec[] => transport.requests.filter((r) => r.method !== 'GET');

  beforeEach(function () {
    transport = new RecordingTransport();
    client = new KubeClient(transport as unknown as Transport);
  });

  it('refuses to delete a Namespace without the leadership fence, and sends nothing', async function () {
    await assert.rejects(client.delete(namespace), /deleting Namespace tenant-a needs the leadership fence/);
    assert.deepEqual(writes(), []);
  });

  it('deletes a Namespace only once the fence confirms, and not at all when it refuses', async function () {
    const asked: string[] = [];
    const confirming: LeadershipFence = {
      confirm: (act) => {
        asked.push(act);
        return Promise.resolve();
      },
    };
    assert.equal(await client.delete(namespace, { fence: confirming }), true);
    assert.deepEqual(asked, ['deleting Namespace tenant-a']);
    assert.deepEqual(
      writes().map((r) => `${r.method} ${r.path}`),
      ['DELETE /api/v1/namespaces/tenant-a'],
    );

    const refusing: LeadershipFence = { confirm: (act) => Promise.reject(new LeadershipNotConfirmed(act, 'the Lease is held by b')) };
    await assert.rejects(client.delete(namespace, { fence: refusing }), LeadershipNotConfirmed);
    assert.equal(writes().length, 1);
  });

  it('ties every request of a withSignal view to its signal, and leaves the original client untied', async function () {
    const signal = new AbortController().signal;
    await client.withSignal(signal).get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n' });
    await client.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n' });
    const reads = transport.requests.filter((r) => r.path.includes('/configmaps/'));
    assert.deepEqual(
      reads.map((r) => r.signal === signal),
      [true, false],
    );
  });

  it("lists a resource named as RBAC names it, in its group's preferred version", async function () {
    await client.listResource('apps', 'deployments', { namespace: 'tenant-a' });
    await client.listResource('', 'configmaps', { namespace: 'tenant-a' });
    const lists = transport.requests.map((r) => r.path).filter((path) => path.includes('/namespaces/'));
    assert.deepEqual(lists, ['/apis/apps/v1/namespaces/tenant-a/deployments', '/api/v1/namespaces/tenant-a/configmaps']);
  });
  it('tells a write observer what each write returned, through withSignal views too, and nothing of reads or dry runs', async function () {
    const written: unknown[] = [];
    const observing = client.observingWrites((object) => written.push(object)).withSignal(new AbortController().signal);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } };
    await observing.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n' });
    await observing.apply(configMap, { fieldManager: 'bulkhead', dryRun: true });
    assert.equal(written.length, 0);
    await observing.apply(configMap, { fieldManager: 'bulkhead' });
    await observing.create(configMap, { fieldManager: 'bulkhead' });
    await observing.replace(configMap, { fieldManager: 'bulkhead' });
    await observing.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n' }, {}, { fieldManager: 'bulkhead' });
    assert.equal(written.length, 4);
    await client.apply(configMap, { fieldManager: 'bulkhead' });
    assert.equal(written.length, 4, 'the original client has no observer');
  });
});
