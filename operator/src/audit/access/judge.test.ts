/** How the server's answers to reviews and dry-run writes become checks. */
import assert from 'node:assert/strict';
import type { DryRunAnswer, ReviewAnswer } from '../../kube/access-review.js';
import { admissionProbes, compliantPodProbe, probeNamePrefix, type AdmissionProbe } from './admission-probes.js';
import { judgeAdmission, judgeReview } from './judge.js';
import { impersonationFor, reviewSubjectFor } from './live.js';
import { reviewProbes } from './review-probes.js';

const context = { tenant: 'acme', owner: 'Group:acme-admins', identity: { user: 'bulkhead-audit:probe', groups: ['acme-admins'] } };
const target = { namespace: 'tenant-acme', otherNamespace: 'tenant-other' };
const probe = (id: string): AdmissionProbe => {
  const found = admissionProbes.find((candidate) => candidate.id === id);
  assert.ok(found, id);
  return found;
};
const refused = (message: string, code = 403): DryRunAnswer => ({ accepted: false, code, reason: 'Forbidden', message });

const admissionCases: [string, AdmissionProbe, DryRunAnswer, string, string][] = [
  [
    'passes a privileged pod refused by Pod Security naming the field',
    probe('privileged'),
    refused(
      'pods "x" is forbidden: violates PodSecurity "restricted:v1.36": privileged (container "probe" must not set securityContext.privileged=true)',
    ),
    'pass',
    'Verified',
  ],
  ['fails a privileged pod the server accepted', probe('privileged'), { accepted: true }, 'fail', 'PrivilegedPodAllowed'],
  [
    'does not pass a privileged pod refused for another reason (any 403 is not enough)',
    probe('privileged'),
    refused('pods is forbidden: User "bulkhead-audit:probe" cannot create resource "pods" in API group "" in the namespace "tenant-acme"'),
    'error',
    'RefusedForAnotherReason',
  ],
  [
    'does not pass a hostPath pod refused by Pod Security for another field',
    probe('host-path'),
    refused('pods "x" is forbidden: violates PodSecurity "restricted:v1.36": host namespaces (hostNetwork=true)'),
    'error',
    'RefusedForAnotherReason',
  ],
  [
    'passes a NodePort Service refused by the quota',
    probe('node-port'),
    refused(
      'services "x" is forbidden: exceeded quota: tenant-quota, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0',
    ),
    'pass',
    'Verified',
  ],
  [
    "passes a NodePort Service refused by the tenant namespaces' admission policy",
    probe('node-port'),
    refused(
      "services \"x\" is forbidden: ValidatingAdmissionPolicy 'bulkhead-tenant-services' with binding 'bulkhead-tenant-services' denied request: bulkhead.dev/cluster-ip-only: a Service in a tenant namespace must be of type ClusterIP",
      422,
    ),
    'pass',
    'Verified',
  ],
  [
    'passes a Role refused by the RBAC escalation check',
    probe('role-escalation'),
    refused(
      'roles.rbac.authorization.k8s.io "x" is forbidden: user "bulkhead-audit:probe" (groups=["acme-admins" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
    ),
    'pass',
    'Verified',
  ],
  [
    'passes a Namespace refused at the cluster scope',
    probe('namespace'),
    refused(
      'namespaces is forbidden: User "bulkhead-audit:probe" cannot create resource "namespaces" in API group "" at the cluster scope',
    ),
    'pass',
    'Verified',
  ],
  [
    'is an error when the audit may not impersonate',
    probe('namespace'),
    refused(
      'users "bulkhead-audit:probe" is forbidden: User "auditor" cannot impersonate resource "users" in API group "" at the cluster scope',
    ),
    'error',
    'ImpersonationForbidden',
  ],
  ['is an error when the server fails', probe('host-pid'), refused('etcdserver: request timed out', 500), 'error', 'ProbeFailed'],
  ['passes the compliant pod when accepted', compliantPodProbe, { accepted: true }, 'pass', 'Verified'],
  [
    'is an error when the compliant pod is refused: the other probes prove nothing',
    compliantPodProbe,
    refused('pods is forbidden: User "bulkhead-audit:probe" cannot create resource "pods"'),
    'error',
    'CompliantPodRefused',
  ],
];

describe('judging dry-run writes', () => {
  for (const [name, admission, answer, result, reason] of admissionCases) {
    it(name, () => {
      const write = admission.build(target);
      assert.ok(write);
      const check = judgeAdmission(admission, write, answer, context);
      assert.deepEqual([check.result, check.reason], [result, reason], check.message);
      assert.equal(check.id, `access.admission.${admission.id}`);
      assert.equal((check.evidence as { request: { dryRun: string } }).request.dryRun, 'All');
    });
  }

  it('builds 22 writes with another tenant and 20 without, every one named as a probe', () => {
    assert.equal(admissionProbes.flatMap((p) => p.build(target) ?? []).length, 22);
    const alone = admissionProbes.flatMap((p) => p.build({ namespace: 'tenant-acme' }) ?? []);
    assert.equal(alone.length, 20);
    for (const write of alone)
      assert.ok(write.object.metadata.name.startsWith(probeNamePrefix) || write.method === 'PATCH', write.object.metadata.name);
  });
});

describe('judging SubjectAccessReviews', () => {
  const answer = (allowed: boolean): ReviewAnswer => ({
    allowed,
    denied: false,
    reason: allowed ? 'RBAC: allowed by RoleBinding "x"' : '',
  });
  const [control] = reviewProbes(target);
  const otherSecrets = reviewProbes(target).find((p) => p.id === 'other-tenant-secrets-get');
  assert.ok(control && otherSecrets);

  it('passes a denied review that must be denied', () => assert.equal(judgeReview(otherSecrets, answer(false), context).result, 'pass'));

  it('fails an allowed review that must be denied, with its reason', () => {
    const check = judgeReview(otherSecrets, answer(true), context);
    assert.deepEqual([check.result, check.reason], ['fail', 'OwnerCanReadOtherTenantSecrets']);
    assert.match(check.message, /allowed by RoleBinding "x"/);
  });

  it('is an error when a control (own Secrets) is denied: the reviews ask about the wrong identity', () => {
    assert.deepEqual([judgeReview(control, answer(false), context).result, control.expectAllowed], ['error', true]);
  });

  it('asks 18 reviews with another tenant and 15 without', () => {
    assert.equal(reviewProbes(target).length, 18);
    assert.equal(reviewProbes({ namespace: 'tenant-acme' }).length, 15);
  });
});

describe('the identity a probe acts as', () => {
  it('is the probe user in the owner group for a Group owner, with system:authenticated in reviews', () => {
    assert.deepEqual(impersonationFor({ kind: 'Group', name: 'acme-admins' }, 'bulkhead-audit:probe'), {
      user: 'bulkhead-audit:probe',
      groups: ['acme-admins'],
    });
    assert.deepEqual(reviewSubjectFor({ kind: 'Group', name: 'acme-admins' }, 'bulkhead-audit:probe'), {
      user: 'bulkhead-audit:probe',
      groups: ['acme-admins', 'system:authenticated'],
    });
  });

  it('is the user itself for a User owner', () => {
    assert.deepEqual(impersonationFor({ kind: 'User', name: 'alice@acme.example' }, 'bulkhead-audit:probe'), {
      user: 'alice@acme.example',
      groups: [],
    });
  });
});
