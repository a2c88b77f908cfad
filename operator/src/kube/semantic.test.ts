import assert from 'node:assert/strict';
import { isSubset, quantityValue } from './semantic.js';

describe('semantic comparison of desired and live objects', function () {
  it('reads quantities in every Kubernetes notation', function () {
    assert.equal(quantityValue('1'), 1);
    assert.equal(quantityValue('1000m'), 1);
    assert.equal(quantityValue('1Gi'), 2 ** 30);
    assert.equal(quantityValue('1G'), 1e9);
    assert.equal(quantityValue('1e3'), 1000);
    assert.equal(quantityValue('banana'), undefined);
  });

  it('treats a canonicalized quantity as unchanged', function () {
    assert.ok(isSubset({ hard: { 'requests.cpu': '2000m' } }, { hard: { 'requests.cpu': '2' } }));
    assert.ok(isSubset({ hard: { pods: '10' } }, { hard: { pods: '10' } }));
    assert.ok(!isSubset({ hard: { pods: '10' } }, { hard: { pods: '11' } }));
  });

  it('ignores fields the server or others added', function () {
    const live = { metadata: { name: 'a', uid: 'u', labels: { x: '1', y: '2' } }, spec: { a: 1, b: 2 } };
    assert.ok(isSubset({ metadata: { name: 'a', labels: { x: '1' } }, spec: { a: 1 } }, live));
  });

  it('sees a removed label, a changed value and a shortened list', function () {
    const live = { metadata: { labels: { x: '1' } }, spec: { items: [1, 2] } };
    assert.ok(!isSubset({ metadata: { labels: { x: '1', y: '2' } } }, live));
    assert.ok(!isSubset({ spec: { items: [1, 3] } }, live));
    assert.ok(!isSubset({ spec: { items: [1] } }, live));
  });

  it('does not equate a quantity with a different string', function () {
    assert.ok(!isSubset('restricted', 'baseline'));
    assert.ok(!isSubset('v1.36', 'latest'));
  });
});
