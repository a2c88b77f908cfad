/** The release inventory: what was applied, and what a new render leaves to prune. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../runtime/types.js';
import { decodeInventory, encodeInventory, inventoryAnnotationLimitBytes, inventoryOf, parseInventoryKey, planPrune } from './inventory.js';

const namespace = 'tenant-acme';

function object(apiVersion: string, kind: string, name: string): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace } };
}

const deployment = object('apps/v1', 'Deployment', 'tenant-acme');
const service = object('v1', 'Service', 'tenant-acme');
const configMap = object('v1', 'ConfigMap', 'tenant-acme-config');

describe('release inventory', () => {
  it('keys objects as apiVersion/kind/namespace/name in a stable order', () => {
    assert.deepEqual(inventoryOf([service, deployment, configMap, service]), [
      'apps/v1/Deployment/tenant-acme/tenant-acme',
      'v1/ConfigMap/tenant-acme/tenant-acme-config',
      'v1/Service/tenant-acme/tenant-acme',
    ]);
  });

  it('parses keys of the core group and of named groups back into their parts', () => {
    assert.deepEqual(parseInventoryKey('v1/Service/tenant-acme/app'), {
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'tenant-acme',
      name: 'app',
    });
    assert.deepEqual(parseInventoryKey('apps/v1/Deployment/tenant-acme/app'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'tenant-acme',
      name: 'app',
    });
    assert.equal(parseInventoryKey('Deployment/app'), undefined);
    assert.equal(parseInventoryKey('a/b/c/d/e/f'), undefined);
  });

  it('prunes what the previous render had and the current one does not', () => {
    const previous = inventoryOf([deployment, service, configMap]);
    assert.deepEqual(planPrune(previous, [deployment, configMap], { namespace }), ['v1/Service/tenant-acme/tenant-acme']);
  });

  it('prunes nothing when the render is unchanged or grows', () => {
    const previous = inventoryOf([deployment]);
    assert.deepEqual(planPrune(previous, [deployment, service], { namespace }), []);
  });

  it('keeps an object whose kind moved to a new apiVersion', () => {
    const previous = ['autoscaling/v2beta2/HorizontalPodAutoscaler/tenant-acme/app'];
    const current = [object('autoscaling/v2', 'HorizontalPodAutoscaler', 'app')];
    assert.deepEqual(planPrune(previous, current, { namespace }), []);
  });

  it('prunes an object whose kind moved to another group, which is another object', () => {
    const previous = ['extensions/v1beta1/Ingress/tenant-acme/app'];
    const current = [object('networking.k8s.io/v1', 'Ingress', 'app')];
    assert.deepEqual(planPrune(previous, current, { namespace }), previous);
  });

  it('never prunes outside the tenant namespace, whatever the stored inventory says', () => {
    const previous = ['v1/Namespace//kube-system', 'v1/ConfigMap/kube-system/coredns', 'garbage', 'v1/ConfigMap/tenant-acme/old'];
    assert.deepEqual(planPrune(previous, [], { namespace }), ['v1/ConfigMap/tenant-acme/old']);
  });

  it('round-trips through its stored form', () => {
    const keys = inventoryOf([deployment, service, configMap]);
    const stored = encodeInventory(keys);
    assert.equal(stored, JSON.stringify(keys));
    assert.deepEqual(decodeInventory(stored), keys);
  });

  it('refuses to read a stored inventory that is not a list of keys', () => {
    assert.throws(() => decodeInventory('{"a": 1}'), /not a JSON array of apiVersion\/kind\/namespace\/name keys/);
    assert.throws(() => decodeInventory('["v1/ConfigMap"]'), /not a JSON array/);
    assert.throws(() => decodeInventory('not json'), /is not JSON/);
  });

  it('fits a thousand objects in an annotation', () => {
    const objects = Array.from({ length: 1000 }, (_, index) => object('apps/v1', 'Deployment', `tenant-acme-worker-${index}`));
    assert.ok(Buffer.byteLength(encodeInventory(inventoryOf(objects))) < inventoryAnnotationLimitBytes);
  });
});
