/** The tenant's ResourceQuota and LimitRange, from its plan. */
import assert from 'node:assert/strict';
import { buildLimitRange, buildResourceQuota, limitRangeName, resourceQuotaName } from './quota.js';

const tenant = { name: 'acme', uid: 'uid-1' };
const plan = { cpu: '4', memory: '8Gi', storage: '50Gi', pods: 20, services: 5, persistentVolumeClaims: 3, configMaps: 30, secrets: 40 };

describe('the tenant ResourceQuota', () => {
  const quota = buildResourceQuota(tenant, 'tenant-acme', plan) as { spec: { hard: Record<string, string> } } & ReturnType<
    typeof buildResourceQuota
  >;

  it('pins NodePort and LoadBalancer Services to zero, whatever the plan says', () => {
    assert.equal(quota.spec.hard['services.nodeports'], '0');
    assert.equal(quota.spec.hard['services.loadbalancers'], '0');
  });

  it('caps requests and limits alike, and every object count, from the plan', () => {
    assert.deepEqual(quota.spec.hard, {
      'requests.cpu': '4',
      'limits.cpu': '4',
      'requests.memory': '8Gi',
      'limits.memory': '8Gi',
      'requests.storage': '50Gi',
      pods: '20',
      services: '5',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
      persistentvolumeclaims: '3',
      configmaps: '30',
      secrets: '40',
    });
  });

  it('lives in the tenant namespace under its fixed name, labelled and owned by the Tenant', () => {
    assert.equal(quota.metadata.name, resourceQuotaName);
    assert.equal(quota.metadata.namespace, 'tenant-acme');
    assert.equal(quota.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.equal(quota.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  });
});

describe('the tenant LimitRange', () => {
  it("gives every container the plan's default request, default limit and maximum", () => {
    const limits = {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: 2, memory: '2Gi' },
    };
    const range = buildLimitRange(tenant, 'tenant-acme', limits) as { spec: { limits: unknown[] } } & ReturnType<typeof buildLimitRange>;
    assert.deepEqual(range.spec.limits, [
      {
        type: 'Container',
        defaultRequest: { cpu: '100m', memory: '128Mi' },
        default: { cpu: '500m', memory: '512Mi' },
        max: { cpu: '2', memory: '2Gi' },
      },
    ]);
    assert.equal(range.metadata.name, limitRangeName);
    assert.equal(range.metadata.namespace, 'tenant-acme');
    assert.equal(range.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  });
});
