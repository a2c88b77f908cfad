/** The tenant namespace: Pod Security pinned at restricted, the tenant's identity, and what admission reads. */
import assert from 'node:assert/strict';
import { belongsToTenant, buildNamespace } from './namespace.js';

const tenant = { name: 'acme', uid: 'uid-1' };
const guardrails = { podSecurityVersion: 'v1.36', domains: ['acme.example.com', 'shop.acme.test'], allowExternalNameServices: false };

describe('the tenant namespace', () => {
  const namespace = buildNamespace(tenant, 'tenant-acme', guardrails);

  it('enforces, audits and warns at restricted, each pinned to the given version', () => {
    const labels = namespace.metadata.labels ?? {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      assert.equal(labels[`pod-security.kubernetes.io/${mode}`], 'restricted', mode);
      assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], 'v1.36', mode);
    }
  });

  it('is named as given and labelled with the tenant name and UID, owned by the Tenant', () => {
    assert.equal(namespace.kind, 'Namespace');
    assert.equal(namespace.metadata.name, 'tenant-acme');
    assert.equal(namespace.metadata.namespace, undefined);
    assert.equal(namespace.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.equal(namespace.metadata.labels?.['bulkhead.dev/tenant-uid'], 'uid-1');
    assert.equal(namespace.metadata.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
    assert.deepEqual(
      namespace.metadata.ownerReferences?.map((owner) => [owner.kind, owner.uid, owner.controller]),
      [['Tenant', 'uid-1', true]],
    );
  });

  it('tells the admission policies the allowed host names and whether ExternalName Services are allowed', () => {
    assert.deepEqual(namespace.metadata.annotations, {
      'bulkhead.dev/ingress-domains': 'acme.example.com,shop.acme.test',
      'bulkhead.dev/external-name-services': 'refused',
    });
    const allowing = buildNamespace(tenant, 'tenant-acme', { ...guardrails, allowExternalNameServices: true });
    assert.equal(allowing.metadata.annotations?.['bulkhead.dev/external-name-services'], 'allowed');
  });

  it("is adopted only with this Tenant's UID label or owner reference, not by name alone", () => {
    assert.equal(belongsToTenant(namespace, tenant), true);
    assert.equal(belongsToTenant(namespace, { name: 'acme', uid: 'uid-2' }), false, 'an earlier Tenant of the same name');
    const foreign = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-acme', labels: { 'bulkhead.dev/tenant': 'acme' } } };
    assert.equal(belongsToTenant(foreign, tenant), false, 'made by someone else, with the tenant label copied');
    const owned = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'tenant-acme',
        ownerReferences: [{ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'Tenant', name: 'acme', uid: 'uid-1' }],
      },
    };
    assert.equal(belongsToTenant(owned, tenant), true);
  });
});
