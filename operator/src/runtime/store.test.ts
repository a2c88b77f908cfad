import assert from 'node:assert/strict';
import { Store } from './store.js';
import { objectKey, splitKey, type KubeObject } from './types.js';

function pod(namespace: string, name: string, app: string): KubeObject {
  return { metadata: { namespace, name, labels: { app } } };
}

const byApp = (object: KubeObject): string[] => {
  const app = object.metadata.labels?.['app'];
  return app ? [app] : [];
};

const names = (objects: KubeObject[]): string[] => objects.map(objectKey).sort();

describe('Store', () => {
  it('keys namespaced objects by namespace/name and cluster-scoped ones by name', () => {
    const store = new Store<KubeObject>();
    store.upsert(pod('ns', 'web', 'shop'));
    store.upsert({ metadata: { name: 'acme' } });
    assert.deepEqual(store.listKeys().sort(), ['acme', 'ns/web']);
    assert.equal(store.get('ns/web')?.metadata.name, 'web');
    assert.deepEqual(splitKey('ns/web'), { namespace: 'ns', name: 'web' });
    assert.deepEqual(splitKey('acme'), { name: 'acme' });
  });

  it('finds objects by a named index and follows updates and deletes', () => {
    const store = new Store<KubeObject>();
    store.addIndexer('app', byApp);
    store.upsert(pod('ns', 'a', 'shop'));
    store.upsert(pod('ns', 'b', 'shop'));
    store.upsert(pod('ns', 'c', 'blog'));
    assert.deepEqual(names(store.byIndex('app', 'shop')), ['ns/a', 'ns/b']);
    store.upsert(pod('ns', 'b', 'blog'));
    store.delete('ns/c');
    assert.deepEqual(names(store.byIndex('app', 'shop')), ['ns/a']);
    assert.deepEqual(names(store.byIndex('app', 'blog')), ['ns/b']);
  });

  it('indexes objects already cached when an indexer is added late', () => {
    const store = new Store<KubeObject>();
    store.upsert(pod('ns', 'a', 'shop'));
    store.addIndexer('app', byApp);
    assert.deepEqual(names(store.byIndex('app', 'shop')), ['ns/a']);
  });

  it('rebuilds its content and indexes on replace', () => {
    const store = new Store<KubeObject>();
    store.addIndexer('app', byApp);
    store.upsert(pod('ns', 'a', 'shop'));
    store.replace([pod('ns', 'b', 'blog')]);
    assert.deepEqual(store.listKeys(), ['ns/b']);
    assert.deepEqual(store.byIndex('app', 'shop'), []);
    assert.deepEqual(names(store.byIndex('app', 'blog')), ['ns/b']);
  });

  it('refuses to look up an index that does not exist', () => {
    assert.throws(() => new Store<KubeObject>().byIndex('missing', 'x'), /does not exist/);
  });
});
