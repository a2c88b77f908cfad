import assert from 'node:assert/strict';
import { controllerOwnerKeys, enqueueHandler, generationChanged } from './handlers.js';
import { OwnWrites } from './own-writes.js';
import type { KubeObject } from './types.js';
import { HighPriority, LowPriority } from './workqueue.js';

function recordingQueue(): { keys: string[]; priorities: (number | undefined)[]; add(key: string, priority?: number): void } {
  const keys: string[] = [];
  const priorities: (number | undefined)[] = [];
  return {
    keys,
    priorities,
    add: (key, priority) => {
      keys.push(key);
      priorities.push(priority);
    },
  };
}

describe('event handlers', () => {
  const tenantOwned: KubeObject = {
    metadata: {
      name: 'default-deny',
      namespace: 'tenant-acme',
      generation: 1,
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'other', uid: '1' },
        { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'Tenant', name: 'acme', uid: '2', controller: true },
      ],
    },
  };

  it('enqueue the object’s own key by default', () => {
    const queue = recordingQueue();
    enqueueHandler(queue).onAdd?.(tenantOwned, false);
    assert.deepEqual(queue.keys, ['tenant-acme/default-deny']);
  });

  it('enqueue objects of the initial list at low priority, and creates, updates and deletes at high', () => {
    const queue = recordingQueue();
    const handler = enqueueHandler(queue);
    handler.onAdd?.(tenantOwned, true);
    assert.deepEqual(queue.priorities, [LowPriority], 'an object listed after a restart is only newly seen');
    handler.onAdd?.(tenantOwned, false);
    handler.onUpdate?.(tenantOwned, { ...tenantOwned, metadata: { ...tenantOwned.metadata, generation: 2 } });
    handler.onDelete?.(tenantOwned);
    assert.deepEqual(queue.priorities, [LowPriority, HighPriority, HighPriority, HighPriority, HighPriority]);
  });

  it('map a dependent to its cluster-scoped controlling owner', () => {
    const keys = controllerOwnerKeys({ kind: 'Tenant', group: 'bulkhead.dev', namespaced: false });
    assert.deepEqual(keys(tenantOwned), ['acme']);
    assert.deepEqual(keys({ metadata: { name: 'orphan' } }), []);
  });

  it('skip updates the predicate rejects, such as status-only changes', () => {
    const queue = recordingQueue();
    const handler = enqueueHandler(queue, { updatePredicate: generationChanged });
    const statusOnly = { ...tenantOwned, metadata: { ...tenantOwned.metadata, resourceVersion: '9' } };
    handler.onUpdate?.(tenantOwned, statusOnly);
    assert.deepEqual(queue.keys, []);
    const deleting = { ...tenantOwned, metadata: { ...tenantOwned.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } };
    handler.onUpdate?.(tenantOwned, deleting);
    assert.equal(queue.keys.length, 2);
  });
  describe('with the controller’s own writes', () => {
    const owner = controllerOwnerKeys({ kind: 'Tenant', group: 'bulkhead.dev', namespaced: false });
    const at = (object: KubeObject, resourceVersion: string, changes: Partial<KubeObject['metadata']> = {}): KubeObject => ({
      ...object,
      kind: 'NetworkPolicy',
      metadata: { ...object.metadata, resourceVersion, ...changes },
    });
    const before = at(tenantOwned, '7');

    it('wake no one for the echo of a write it made, and the owner for every other event', () => {
      const queue = recordingQueue();
      const ownWrites = new OwnWrites();
      const handler = enqueueHandler(queue, { keys: owner, ownWrites });
      ownWrites.wrote(at(tenantOwned, '8'), before);
      handler.onUpdate?.(before, at(tenantOwned, '8'));
      assert.deepEqual(queue.keys, [], 'its own write');
      handler.onUpdate?.(at(tenantOwned, '8'), at(tenantOwned, '9'));
      assert.deepEqual(queue.keys, ['acme', 'acme'], 'someone else’s write after it');
    });

    it('wake the owner for another writer’s event that arrives between the write and its echo', () => {
      const queue = recordingQueue();
      const ownWrites = new OwnWrites();
      const handler = enqueueHandler(queue, { keys: owner, ownWrites });
      ownWrites.wrote(at(tenantOwned, '9'), before);
      handler.onUpdate?.(before, at(tenantOwned, '8'));
      assert.deepEqual(queue.keys, ['acme', 'acme']);
      handler.onUpdate?.(at(tenantOwned, '8'), at(tenantOwned, '9'));
      assert.equal(queue.keys.length, 2, 'then the echo wakes no one');
    });

    it('skip the echo of a create, but never a deletion, which also forgets what was expected', () => {
      const queue = recordingQueue();
      const ownWrites = new OwnWrites();
      const handler = enqueueHandler(queue, { keys: owner, ownWrites });
      ownWrites.wrote(at(tenantOwned, '3'), undefined);
      handler.onAdd?.(at(tenantOwned, '3'), false);
      assert.deepEqual(queue.keys, []);
      ownWrites.wrote(at(tenantOwned, '4'), at(tenantOwned, '3'));
      handler.onDelete?.(at(tenantOwned, '4'));
      assert.deepEqual(queue.keys, ['acme']);
      assert.equal(ownWrites.size, 0);
    });

    it('still wake the owner an own write took the object away from', () => {
      const queue = recordingQueue();
      const ownWrites = new OwnWrites();
      const handler = enqueueHandler(queue, { keys: owner, ownWrites });
      const references = tenantOwned.metadata.ownerReferences?.map((r) => (r.kind === 'Tenant' ? { ...r, name: 'globex' } : r));
      const moved = at(tenantOwned, '8', { ownerReferences: references });
      ownWrites.wrote(moved, before);
      handler.onUpdate?.(before, moved);
      assert.deepEqual(queue.keys, ['acme']);
    });
  });
});
