/** Guardrails that someone else added to are replaced, not merely re-applied. */
import assert from 'node:assert/strict';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { buildOwnerRoleBinding } from '../../resources/rbac.js';
import type { KubeObject } from '../../runtime/types.js';
import { hasForeignAdditions, replacementOf } from './foreign-changes.js';

const tenant = { name: 'acme', uid: 'uid-1' };
const [defaultDeny] = buildNetworkPolicies(
  tenant,
  { namespace: 'tenant-acme', egress: [], ingressPorts: [] },
  { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } },
);
const owners = buildOwnerRoleBinding(tenant, 'tenant-acme', [{ kind: 'Group', name: 'acme-admins' }], 'bulkhead-tenant-owner');
const live = (object: KubeObject, extra: Record<string, unknown>): KubeObject =>
  ({ ...object, ...extra, metadata: { ...object.metadata, resourceVersion: '7', managedFields: [{ manager: 'x' }] } }) as KubeObject;

describe('foreign additions to guardrails', () => {
  it('sees an ingress rule appended to default-deny, and not the policy as built', () => {
    const policy = defaultDeny as KubeObject & { spec: Record<string, unknown> };
    assert.equal(hasForeignAdditions(policy, live(policy, {})), false);
    assert.equal(hasForeignAdditions(policy, live(policy, { spec: { ...policy.spec, ingress: [{}] } })), true);
  });

  it("sees a subject added to the owners' binding, but not the apiGroup the server defaults", () => {
    const subjects = (owners as KubeObject & { subjects: Record<string, string>[] }).subjects;
    assert.equal(
      hasForeignAdditions(owners, live(owners, { subjects: subjects.map((s) => ({ ...s, apiGroup: 'rbac.authorization.k8s.io' })) })),
      false,
    );
    assert.equal(
      hasForeignAdditions(owners, live(owners, { subjects: [...subjects, { kind: 'Group', name: 'system:authenticated' }] })),
      true,
    );
  });

  it('replaces with the desired content under the live metadata, without managed fields', () => {
    const replaced = replacementOf(owners, live(owners, { subjects: [] })) as KubeObject & { subjects: unknown[] };
    assert.equal(replaced.metadata.resourceVersion, '7');
    assert.equal((replaced.metadata as { managedFields?: unknown }).managedFields, undefined);
    assert.deepEqual(replaced.subjects, (owners as KubeObject & { subjects: unknown[] }).subjects);
  });
});
