/** Which namespaces are probed, with which labels, on which ports. */
import assert from 'node:assert/strict';
import { appLabels, declaredPorts, probePlan } from './plan.js';

const tenant = { name: 'acme', uid: 'u1', namespace: 'tenant-acme' };
const appPod = (name: string, labels: Record<string, string>, owner = 'ReplicaSet') => ({
  metadata: {
    name,
    namespace: 'tenant-acme',
    labels,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: owner, name: 'x', uid: 'r', controller: true }],
  },
  spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
  status: { phase: 'Running' },
});

describe('the probe plan', () => {
  it("labels probes as the tenant's app pods, without the template hash", () => {
    const pods = [appPod('app-1', { 'bulkhead.dev/tenant': 'acme', 'app.kubernetes.io/name': 'tenant-app', 'pod-template-hash': 'abc' })];
    assert.deepEqual(appLabels(tenant, pods), { 'bulkhead.dev/tenant': 'acme', 'app.kubernetes.io/name': 'tenant-app' });
  });

  it('falls back to the tenant label when no app pod runs, and ignores earlier probes and bare pods', () => {
    const pods = [
      appPod('probe', { 'bulkhead.dev/tenant': 'acme', 'bulkhead.dev/audit-probe': 'old' }),
      appPod('bare', { 'bulkhead.dev/tenant': 'acme', other: 'x' }, 'Job'),
    ];
    assert.deepEqual(appLabels(tenant, pods), { 'bulkhead.dev/tenant': 'acme' });
  });

  it("resolves named Service ports against the app pods' container ports, TCP only", () => {
    const pods = [appPod('app-1', { 'bulkhead.dev/tenant': 'acme' })];
    assert.deepEqual(
      declaredPorts(
        [
          { protocol: 'TCP', port: 'http' },
          { protocol: 'TCP', port: 9000 },
          { protocol: 'UDP', port: 53 },
        ],
        pods,
      ),
      [8080, 9000],
    );
  });

  it("names the probed ports as the tenant's app pod does, so a policy allowing the named port matches the listener", () => {
    const pods = [appPod('app-1', { 'bulkhead.dev/tenant': 'acme' })];
    const plan = probePlan({
      runId: 'r',
      tenants: [tenant],
      pods,
      servicePorts: new Map([['acme', [{ protocol: 'TCP', port: 'http' }]]]),
      platformNamespaces: ['ingress-nginx'],
    });
    assert.deepEqual(plan.ports, [8080]);
    assert.deepEqual(
      plan.sites.map((site) => site.portNames),
      [{ 8080: 'http' }, {}],
    );
  });

  it('probes the tenants and the platform namespaces, on 8080 when nothing is declared', () => {
    const plan = probePlan({
      runId: 'r',
      tenants: [{ ...tenant, name: 'b', namespace: 'tenant-b' }, tenant],
      pods: [],
      servicePorts: new Map(),
      platformNamespaces: ['ingress-nginx'],
    });
    assert.deepEqual(
      plan.sites.map((site) => site.namespace),
      ['tenant-acme', 'tenant-b', 'ingress-nginx'],
    );
    assert.deepEqual(plan.sites[0]?.tenant, { name: 'acme', uid: 'u1' });
    assert.equal(plan.sites[2]?.tenant, undefined);
    assert.deepEqual(plan.ports, [8080]);
  });
});
