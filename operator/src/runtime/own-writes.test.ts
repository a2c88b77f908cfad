import assert from 'node:assert/strict';
import { OwnWrites } from './own-writes.js';
import type { KubeObject } from './types.js';

const policy = (resourceVersion: string, name = 'default-deny'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'tenant-acme', resourceVersion },
});

describe('own writes', () => {
  it('know the watch event at the resourceVersion a write returned as its echo, once', () => {
    const writes = new OwnWrites();
    writes.wrote(policy('12'), policy('7'));
    assert.equal(writes.isEcho(policy('12')), true);
    assert.equal(writes.isEcho(policy('12')), false, 'met once, then forgotten');
    assert.equal(writes.size, 0);
  });

  it('never take an event at another resourceVersion for an echo: someone else wrote, before or after', () => {
    const writes = new OwnWrites();
    writes.wrote(policy('12'), policy('7'));
    assert.equal(writes.isEcho(policy('11')), false, 'an older event still on its way');
    assert.equal(writes.isEcho(policy('13')), false, 'a later write by anyone');
    assert.equal(writes.isEcho(policy('12')), true, 'the echo still counts when it comes after them');
  });

  it('tell objects apart by kind, namespace and name', () => {
    const writes = new OwnWrites();
    writes.wrote(policy('12'), undefined);
    assert.equal(writes.isEcho(policy('12', 'allow-dns')), false);
    assert.equal(writes.isEcho({ ...policy('12'), kind: 'ConfigMap' }), false);
    assert.equal(writes.isEcho({ ...policy('12'), metadata: { ...policy('12').metadata, namespace: 'tenant-other' } }), false);
    assert.equal(writes.isEcho(policy('12')), true);
  });

  it('expect nothing when the cache already shows the write (its event came first, or it changed nothing)', () => {
    const writes = new OwnWrites();
    writes.wrote(policy('12'), policy('12'));
    assert.equal(writes.size, 0);
    assert.equal(writes.isEcho(policy('12')), false);
  });

  it('keep only the last write of an object, and drop it when the object is deleted', () => {
    const writes = new OwnWrites();
    writes.wrote(policy('12'), policy('7'));
    writes.wrote(policy('14'), policy('7'));
    assert.equal(writes.size, 1);
    assert.equal(writes.isEcho(policy('12')), false);
    writes.forget(policy('14'));
    assert.equal(writes.size, 0);
    assert.equal(writes.isEcho(policy('14')), false);
  });

  it('expect nothing of an answer without a resourceVersion or a kind', () => {
    const writes = new OwnWrites();
    writes.wrote({ kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'n' } }, undefined);
    writes.wrote({ metadata: { name: 'a', namespace: 'n', resourceVersion: '3' } }, undefined);
    assert.equal(writes.size, 0);
  });
});
