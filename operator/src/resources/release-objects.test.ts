import assert from 'node:assert/strict';
import { adoptReleaseObjects, deploymentProblem } from './release-objects.js';

const deployment = (spec: object, status: object, generation = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', generation },
  spec,
  status,
});

describe('release objects', function () {
  it('places rendered objects in the tenant namespace, labelled and owned by the Tenant', function () {
    const [object] = adoptReleaseObjects(
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'b' } } }],
      { name: 'acme', uid: 'u-1' },
      'tenant-acme',
    );
    assert.equal(object?.metadata.namespace, 'tenant-acme');
    assert.deepEqual(object?.metadata.labels, { a: 'b', 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.dev/tenant': 'acme' });
    assert.equal(object?.metadata.ownerReferences?.[0]?.uid, 'u-1');
  });

  it('calls a Deployment healthy only when every replica is updated and available', function () {
    assert.equal(
      deploymentProblem(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })),
      undefined,
    );
    assert.equal(
      deploymentProblem(deployment({ replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })),
      'its new spec is not observed yet',
    );
    assert.equal(
      deploymentProblem(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 })),
      '1/2 replicas updated',
    );
    assert.equal(
      deploymentProblem(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })),
      '1 old replicas still terminating',
    );
    assert.equal(
      deploymentProblem(deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 0 })),
      '0/2 replicas available',
    );
    assert.equal(deploymentProblem(undefined), 'not created yet');
  });
});
