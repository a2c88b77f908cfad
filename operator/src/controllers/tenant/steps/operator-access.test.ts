import assert from 'node:assert/strict';
import { createLogger } from '../../../runtime/logging.js';
import type { KubeClient } from '../../../kube/client.js';
import type { KubeObject } from '../../../runtime/types.js';
import { OwnedObjects } from '../owned-objects.js';
import { ReleasedAccess } from '../released-access.js';
import { finalizersHoldingNamespace, holdsOperatorAccess, releaseOperatorAccess } from './operator-access.js';

const terminating = (conditions: { type: string; status: string; message?: string }[]) => ({
  metadata: { name: 'tenant-acme', deletionTimestamp: '2026-12-05T10:00:00Z' },
  status: { conditions },
});
const remaining = (message: string) => terminating([{ type: 'NamespaceFinalizersRemaining', status: 'True', message }]);
const ours = 'Some content in the namespace has finalizers remaining: bulkhead.dev/operator-access in 1 resource instances';

describe('finalizersHoldingNamespace', () => {
  it('reads the finalizers the namespace controller reports, each once', () => {
    assert.deepEqual(
      finalizersHoldingNamespace(
        remaining(
          'Some content in the namespace has finalizers remaining: bulkhead.dev/operator-access in 1 resource instances, example.com/keep in 2 resource instances',
        ),
      ),
      ['bulkhead.dev/operator-access', 'example.com/keep'],
    );
  });

  it('is empty when no finalizer remains, and unknown before the controller reported', () => {
    assert.deepEqual(
      finalizersHoldingNamespace(
        terminating([{ type: 'NamespaceFinalizersRemaining', status: 'False', message: 'All content-preserving finalizers finished' }]),
      ),
      [],
    );
    assert.equal(finalizersHoldingNamespace(terminating([])), undefined);
  });

  it('keeps an entry it cannot parse, so that it counts as someone else’s', () => {
    assert.deepEqual(finalizersHoldingNamespace(remaining('Some content in the namespace has finalizers remaining: something new')), [
      'something new',
    ]);
  });
});

describe('releaseOperatorAccess', () => {
  let binding: KubeObject;
  const deleted = (): KubeObject => ({
    metadata: {
      name: 'bulkhead-operator',
      namespace: 'tenant-acme',
      resourceVersion: '7',
      deletionTimestamp: '2026-12-05T10:00:05Z',
      finalizers: ['bulkhead.dev/operator-access', 'example.com/other'],
    },
  });
  /** The owned objects' caches as one operator process holds them: the binding, and what it released. */
  const cachesOf = (): OwnedObjects =>
    ({
      cached: (kind: string, key: string) => (kind === 'RoleBinding' && key === 'tenant-acme/bulkhead-operator' ? binding : undefined),
      releasedAccess: new ReleasedAccess(),
    }) as unknown as OwnedObjects;
  const patches: unknown[] = [];
  const deps = {
    client: {
      mergePatch: (ref: unknown, patch: unknown) => {
        patches.push({ ref, patch });
        return Promise.resolve({});
      },
    } as unknown as KubeClient,
    owned: cachesOf(),
    logger: createLogger({ silent: true }),
  };
  beforeEach(() => {
    patches.splice(0);
    binding = deleted();
  });

  it('drops only its own finalizer once nothing else holds the namespace, guarded by resourceVersion', async () => {
    assert.equal(await releaseOperatorAccess(deps, remaining(ours)), true);
    assert.deepEqual(patches, [
      {
        ref: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: 'tenant-acme', name: 'bulkhead-operator' },
        patch: { metadata: { finalizers: ['example.com/other'], resourceVersion: '7' } },
      },
    ]);
  });

  it('keeps the binding while another finalizer holds content, before the first report, and in a live namespace', async () => {
    assert.equal(await releaseOperatorAccess(deps, remaining(`${ours}, example.com/keep in 1 resource instances`)), false);
    assert.equal(await releaseOperatorAccess(deps, terminating([])), false);
    assert.equal(await releaseOperatorAccess(deps, { ...remaining(ours), metadata: { name: 'tenant-acme' } }), false);
    assert.deepEqual(patches, []);
  });

  // The namespace controller deletes pods first: while an owner's pod holds the namespace, its
  // report may say no finalizer remains, and the binding is not even deleted yet.
  it('keeps the binding on a report that does not name its finalizer, or before the binding is deleted', async () => {
    const none = terminating([
      { type: 'NamespaceFinalizersRemaining', status: 'False', message: 'All content-preserving finalizers finished' },
    ]);
    assert.equal(await releaseOperatorAccess(deps, none), false);
    binding = { ...deleted(), metadata: { ...deleted().metadata, deletionTimestamp: undefined } };
    assert.equal(await releaseOperatorAccess(deps, remaining(ours)), false);
    assert.deepEqual(patches, []);
  });

  // A pass woken right after the release (by the namespace controller's event) still finds the
  // binding with its finalizer in the cache: it must not look into the namespace (refused, 403) nor
  // patch again over a stale resourceVersion.
  it('holds no access once it released, though the cache still shows the binding with its finalizer', async () => {
    const namespace = { ...remaining(ours), metadata: { ...remaining(ours).metadata, uid: 'ns-uid-released' } };
    assert.equal(holdsOperatorAccess(deps.owned, namespace), true);
    assert.equal(await releaseOperatorAccess(deps, namespace), true);
    assert.equal(holdsOperatorAccess(deps.owned, namespace), false);
    assert.equal(await releaseOperatorAccess(deps, namespace), false);
    assert.equal(patches.length, 1);
    const other = { ...namespace, metadata: { ...namespace.metadata, uid: 'ns-uid-other' } };
    assert.equal(holdsOperatorAccess(deps.owned, other), true, 'another namespace of the same name is judged by its own binding');
  });

  // What a process released is its own: another operator's caches (another process, or another
  // test here) judge the namespace by its binding (decision 0063).
  it("remembers a release in the caches that made it, not in another operator's", async () => {
    const namespace = { ...remaining(ours), metadata: { ...remaining(ours).metadata, uid: 'ns-uid-one-process' } };
    const other = { ...deps, owned: cachesOf() };
    assert.equal(await releaseOperatorAccess(deps, namespace), true);
    assert.equal(holdsOperatorAccess(deps.owned, namespace), false);
    assert.equal(holdsOperatorAccess(other.owned, namespace), true);
  });

  // Each pass works on a copy of the caches with its own signal (context.ts): a release in one pass
  // is known to the next, as long as the process lives, whoever leads.
  it('knows in the next pass what an earlier pass released, though the cache still shows the binding', async () => {
    const informers = { RoleBinding: { store: { get: () => binding } } } as unknown as ConstructorParameters<typeof OwnedObjects>[0];
    const client = { ...deps.client, withSignal: () => deps.client } as unknown as KubeClient;
    const caches = new OwnedObjects(informers, client);
    const namespace = { ...remaining(ours), metadata: { ...remaining(ours).metadata, uid: 'ns-uid-passes' } };
    const pass = () => ({ ...deps, client, owned: caches.withSignal(new AbortController().signal) });
    assert.equal(await releaseOperatorAccess(pass(), namespace), true);
    assert.equal(holdsOperatorAccess(pass().owned, namespace), false);
    assert.equal(await releaseOperatorAccess(pass(), namespace), false);
    assert.equal(patches.length, 1);
  });
});
