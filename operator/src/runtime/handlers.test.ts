import assert from 'node:assert/strict';
import { controllerOwnerKeys, enqueueHandler, generationChanged } from './handlers.js';
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
});
