import assert from 'node:assert/strict';
import { isKubernetesFinalizer, ownerFinalizers, ownerWritableResources } from './owner-finalizers.js';

describe("owners' finalizers in a terminating tenant namespace", function () {
  it("leaves Kubernetes' own finalizers to their controllers", function () {
    for (const own of [
      'kubernetes.io/pvc-protection',
      'batch.kubernetes.io/job-tracking',
      'service.kubernetes.io/load-balancer-cleanup',
      'resource.k8s.io/delete-protection',
      'orphan',
      'foregroundDeletion',
    ]) {
      assert.equal(isKubernetesFinalizer(own), true, own);
    }
    for (const foreign of ['example.com/hold', 'kubernetes.io.example.com/x', 'evilkubernetes.io/x', 'hold', 'k8s.io.attacker.net/x']) {
      assert.equal(isKubernetesFinalizer(foreign), false, foreign);
    }
  });

  it("finds owners' finalizers only on objects already being deleted", function () {
    const finalizers = ['kubernetes.io/pvc-protection', 'example.com/hold', 'acme.io/backup'];
    assert.deepEqual(ownerFinalizers({ metadata: { name: 'c', finalizers, deletionTimestamp: '2026-12-05T00:00:00Z' } }), [
      'example.com/hold',
      'acme.io/backup',
    ]);
    assert.deepEqual(ownerFinalizers({ metadata: { name: 'c', finalizers } }), []);
  });

  it('looks at every resource owners may write, and at nothing they may only read', function () {
    const names = ownerWritableResources().map(({ group, resource }) => `${group || 'core'}/${resource}`);
    for (const writable of [
      'core/configmaps',
      'core/secrets',
      'core/persistentvolumeclaims',
      'core/pods',
      'apps/deployments',
      'batch/jobs',
      'networking.k8s.io/ingresses',
      'policy/poddisruptionbudgets',
      'autoscaling/horizontalpodautoscalers',
    ]) {
      assert.ok(names.includes(writable), writable);
    }
    for (const readOnly of [
      'networking.k8s.io/networkpolicies',
      'core/resourcequotas',
      'core/namespaces',
      'rbac.authorization.k8s.io/rolebindings',
    ]) {
      assert.ok(!names.includes(readOnly), readOnly);
    }
    assert.ok(
      names.every((name) => !name.includes('/scale') && !name.includes('/exec')),
      names.join(' '),
    );
  });
});
