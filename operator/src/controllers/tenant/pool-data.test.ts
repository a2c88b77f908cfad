/** The merge patch a tenant sends to the shared ConfigMap and Secret: its keys only, others' kept or nulled as asked. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../runtime/types.js';
import { dataPatch } from './pool-data.js';

const object = (data: Record<string, string>, labels: Record<string, string> = { pool: 'eu' }): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', namespace: 'n', labels }, data }) as KubeObject;

describe('the shared objects’ data patch', () => {
  it('is nothing when the live object already holds the change', () => {
    assert.equal(dataPatch(object({}), object({ a: '1', b: '2' }), { set: { a: '1' }, keep: () => true }), undefined);
  });

  it('sets only the keys that differ, leaving other tenants’ entries out of the patch', () => {
    assert.deepEqual(dataPatch(object({}), object({ a: '0', b: '2' }), { set: { a: '1' }, keep: () => true }), {
      metadata: { labels: {} },
      data: { a: '1' },
    });
  });

  it('nulls the keys the caller does not keep (a hand-added entry, a tenant that left)', () => {
    assert.deepEqual(dataPatch(object({}), object({ a: '1', intruder: 'x' }), { set: { a: '1' }, keep: (key) => key === 'a' }), {
      metadata: { labels: {} },
      data: { intruder: null },
    });
  });

  it('puts back a label taken off', () => {
    assert.deepEqual(dataPatch(object({}), object({ a: '1' }, {}), { set: { a: '1' }, keep: () => true }), {
      metadata: { labels: { pool: 'eu' } },
      data: {},
    });
  });
});
