import assert from 'node:assert/strict';
import type { ListedObject, Listing, TenantExposure } from './model.js';
import { pointsIntoCluster, servicesChecks } from './services.js';

const acme: TenantExposure = {
  name: 'acme',
  uid: 'u-acme',
  namespace: 'tenant-acme',
  domains: ['acme.tenants.test'],
  allowExternalNames: false,
};

const service = (name: string, spec: Record<string, unknown>, namespace = 'tenant-acme'): ListedObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, uid: `uid-${name}` },
  spec,
});
const listed = (...items: ListedObject[]): Listing => ({ items, served: true });
const byId = (checks: ReturnType<typeof servicesChecks>, id: string) => {
  const found = checks.find((check) => check.id === id);
  assert.ok(found, id);
  return found;
};

describe('the Service exposure checks', () => {
  it("pass ClusterIP Services, and judge only the tenant's namespace", () => {
    const checks = servicesChecks(
      acme,
      listed(service('web', { ports: [{ port: 80 }] }), service('capture', { externalIPs: ['1.2.3.4'] }, 'tenant-globex')),
      'cluster.local',
    );
    assert.deepEqual(
      checks.map((check) => [check.id, check.result]),
      [
        ['network.external-ips', 'pass'],
        ['network.service-types', 'pass'],
        ['network.external-names', 'pass'],
      ],
    );
    assert.ok(checks.every((check) => check.tenant === 'acme'));
  });

  it('find externalIPs, naming the Service, the addresses and the rule', () => {
    const check = byId(
      servicesChecks(acme, listed(service('capture', { externalIPs: ['10.96.0.10'] })), 'cluster.local'),
      'network.external-ips',
    );
    assert.equal(check.result, 'fail');
    assert.equal(check.reason, 'ExternalIPs');
    assert.equal(check.message, 'Service tenant-acme/capture: spec.externalIPs is 10.96.0.10 (bulkhead.dev/no-external-ips)');
  });

  it('find NodePort and LoadBalancer Services', () => {
    const check = byId(
      servicesChecks(acme, listed(service('np', { type: 'NodePort' }), service('lb', { type: 'LoadBalancer' })), 'cluster.local'),
      'network.service-types',
    );
    assert.equal(check.reason, 'NodePortOrLoadBalancer');
    assert.match(
      check.message,
      /Service tenant-acme\/np: spec\.type is NodePort \(bulkhead\.dev\/cluster-ip-only\); Service tenant-acme\/lb: spec\.type is LoadBalancer/,
    );
  });

  it('find an ExternalName into the cluster even where the plan allows ExternalName, and any ExternalName where it does not', () => {
    const into = service('alias', { type: 'ExternalName', externalName: 'web.tenant-globex.svc.cluster.local.' });
    const out = service('partner', { type: 'ExternalName', externalName: 'api.partner.example' });
    const allowed = byId(
      servicesChecks({ ...acme, allowExternalNames: true }, listed(into, out), 'cluster.local'),
      'network.external-names',
    );
    assert.equal(allowed.reason, 'ExternalNameIntoCluster');
    assert.equal((allowed.evidence as { findings: number }).findings, 1, 'the one outside the cluster is allowed by the plan');
    assert.match(allowed.message, /bulkhead\.dev\/external-name-outside-cluster/);
    const refused = byId(servicesChecks(acme, listed(out), 'cluster.local'), 'network.external-names');
    assert.equal(refused.reason, 'ExternalNameNotAllowed');
    assert.match(refused.message, /Service tenant-acme\/partner: .*api\.partner\.example.*\(bulkhead\.dev\/external-name-by-plan\)/);
  });

  it('judge names inside the cluster as the admission rule does', () => {
    for (const name of [
      'web.x.svc',
      'web.x.svc.cluster.local',
      'WEB.X.SVC.CLUSTER.LOCAL.',
      'kubernetes',
      'cluster.local',
      '10.0.0.1',
      'fd00::1',
      'localhost',
      'a.b.corp.internal',
    ]) {
      assert.equal(pointsIntoCluster(name, name === 'a.b.corp.internal' ? 'corp.internal' : 'cluster.local'), true, name);
    }
    for (const name of ['api.partner.example', 'svc-mirror.example.com', 'cluster.local.example.com'])
      assert.equal(pointsIntoCluster(name, 'cluster.local'), false, name);
  });

  it('are errors, not passes, when Services could not be listed', () => {
    const checks = servicesChecks(acme, { error: 'cannot list Service (v1): forbidden' }, 'cluster.local');
    assert.deepEqual(
      checks.map((check) => [check.result, check.reason]),
      Array(3).fill(['error', 'ObjectsUnreadable']),
    );
    assert.match(checks[0]?.message ?? '', /forbidden/);
  });
});
