/**
 * The Access part of `bulkhead audit` against the real control plane with the operator running:
 * two Ready tenants pass every check, run under an identity that holds only the rules the audit
 * documents it needs; then each sabotage (a binding handing one tenant's owners rights in the
 * other, a ClusterRole reading every Secret, an aggregated ClusterRole picking up Secret access)
 * is found for the right tenant with the right reason and the offending binding as evidence.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { issueUserKubeconfig, testEnvironment } from '@bulkhead/testenv';
import { TenantSchema, type Tenant } from '../../src/api/tenant.js';
import { auditAccess, platformConfigFor } from '../../src/audit/access/index.js';
import type { AuditCheck } from '../../src/audit/model.js';
import { AccessReviewClient } from '../../src/kube/access-review.js';
import { applyObjects } from '../support/cluster.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from '../support/tenants.js';

const rbacGroup = 'rbac.authorization.k8s.io';
const podSecurityEnforce = 'pod-security.kubernetes.io/enforce';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const tenantNames = ['access-a', 'access-b'];
const auditor = 'bulkhead-audit-tester';
/** Per owner: 2 controls + 3 about the other tenant + 8 guardrails + 5 cluster-scoped reviews. */
const reviewsPerOwner = 18;
/** Per owner: the compliant pod, 9 pod-security, 7 guardrail, 3 cluster and 2 other-tenant writes. */
const writesPerOwner = 22;
/** access.secret-readers, workload-writers, escalation, owner-cluster-rights, owner-other-tenants. */
const rbacChecksPerTenant = 5;

/** The rules the audit's identity needs (the report gives them to the chart's ClusterRole). */
const auditorRole = {
  apiVersion: `${rbacGroup}/v1`,
  kind: 'ClusterRole',
  metadata: { name: 'audit-spec-access-auditor' },
  rules: [
    { apiGroups: [rbacGroup], resources: ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'], verbs: ['list'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bulkhead-audit:probe'] },
    { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'] },
  ],
};

function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  role: string,
  subject: { kind: string; name: string },
  namespace?: string,
) {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: rbacGroup, ...subject }],
  };
}

const failures = (checks: AuditCheck[]) => checks.filter((check) => check.result !== 'pass');
const describeChecks = (checks: AuditCheck[]) =>
  checks.map((c) => `${c.tenant ?? '-'} ${c.id} ${c.result} ${c.reason}: ${c.message}`).join('\n');

function find(checks: AuditCheck[], tenant: string, id: string): AuditCheck {
  const found = checks.find((check) => check.tenant === tenant && check.id === id);
  assert.ok(found, `no ${id} check for ${tenant}`);
  return found;
}

function findingsOf(check: AuditCheck): { subject: string; binding: string; role: string; aggregatedFrom?: string[] }[] {
  return (check.evidence as { findings: { subject: string; binding: string; role: string; aggregatedFrom?: string[] }[] }).findings;
}

describe('bulkhead audit: access', function () {
  let admin: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let client: AccessReviewClient;
  let rbac: k8s.RbacAuthorizationV1Api;
  // The auditor impersonates, so it is a platform subject; everything else is the default list.
  const platformSubjects = platformConfigFor('bulkhead-system', [{ kind: 'User', name: auditor }]);

  async function tenants(): Promise<Tenant[]> {
    return Promise.all(tenantNames.map(async (name) => TenantSchema.parse(await readTenant(admin, name))));
  }

  async function audit(offline = false): Promise<AuditCheck[]> {
    return (await auditAccess(client, { tenants: await tenants(), platformSubjects, offline })).checks;
  }

  before(async function () {
    admin = await prepareCluster();
    operator = startOperator();
    await applyObjects(
      admin,
      tenantNames.map((name) => tenantManifest(name)),
    );
    for (const name of tenantNames) await waitForReady(admin, name);
    await applyObjects(admin, [
      auditorRole,
      binding('ClusterRoleBinding', 'audit-spec-access-auditor', auditorRole.metadata.name, { kind: 'User', name: auditor }),
    ]);
    client = AccessReviewClient.load(issueUserKubeconfig(testEnvironment(), auditor));
    rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  });

  after(async function () {
    client.close();
    await rbac.deleteClusterRoleBinding({ name: 'audit-spec-access-auditor' }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: auditorRole.metadata.name }).catch(() => undefined);
    await deleteTenantsAndWait(admin, tenantNames);
    await operator?.stop();
  });

  it('passes every Access check for two Ready tenants, as an identity holding only the documented rules', async function () {
    const { checks, inputs } = await auditAccess(client, { tenants: await tenants(), platformSubjects });
    assert.deepEqual(failures(checks), [], describeChecks(failures(checks)));
    assert.equal(checks.length, 1 + tenantNames.length * (rbacChecksPerTenant + reviewsPerOwner + writesPerOwner));
    assert.equal(checks.filter((c) => c.id.startsWith('access.admission.')).length, tenantNames.length * writesPerOwner);

    const privileged = find(checks, 'access-a', 'access.admission.privileged');
    assert.match(
      (privileged.evidence as { answer: { message: string } }).answer.message,
      /violates PodSecurity "restricted:v[\d.]+": privileged/,
    );
    const nodePort = find(checks, 'access-b', 'access.admission.node-port');
    // Refused by the tenant namespaces' admission policy when an operator installed it, else by the quota.
    assert.match(
      (nodePort.evidence as { answer: { message: string } }).answer.message,
      /bulkhead\.dev\/cluster-ip-only|exceeded quota: tenant-quota/,
    );

    const ownerBinding = inputs.find(
      (input) => input.kind === 'RoleBinding' && input.namespace === 'tenant-access-a' && input.name === 'tenant-owners',
    );
    assert.ok(
      ownerBinding?.uid && ownerBinding.resourceVersion,
      "the owners' RoleBinding is named as an input with uid and resourceVersion",
    );

    // Every write was a dry run: nothing the probes named exists.
    const pods = await admin.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'tenant-access-a' });
    assert.deepEqual(
      pods.items.filter((pod) => pod.metadata?.name?.startsWith('bulkhead-audit-probe')),
      [],
    );
  });

  it("finds a RoleBinding that gives tenant A's owners edit in tenant B, for both tenants", async function () {
    const sabotage = binding('RoleBinding', 'audit-sabotage-edit', 'edit', { kind: 'Group', name: 'access-a-admins' }, 'tenant-access-b');
    await applyObjects(admin, [sabotage]);
    try {
      const checks = await audit();
      const readers = find(checks, 'access-b', 'access.secret-readers');
      assert.equal(readers.reason, 'ForeignSubjectCanReadSecrets');
      assert.ok(
        findingsOf(readers).some(
          (f) =>
            f.subject === 'Group:access-a-admins' &&
            f.binding === 'RoleBinding tenant-access-b/audit-sabotage-edit' &&
            f.role === 'ClusterRole edit',
        ),
        JSON.stringify(readers.evidence),
      );
      assert.equal(find(checks, 'access-b', 'access.workload-writers').reason, 'ForeignSubjectCanChangeWorkloads');
      const elsewhere = find(checks, 'access-a', 'access.owner-other-tenants');
      assert.equal(elsewhere.reason, 'OwnerHasRightsInOtherTenant');
      assert.ok(findingsOf(elsewhere).some((f) => f.binding === 'RoleBinding tenant-access-b/audit-sabotage-edit'));
      // The live review confirms it: A's owners may now read B's Secrets.
      const review = find(checks, 'access-a', 'access.review.other-tenant-secrets-get');
      assert.equal(review.result, 'fail');
      assert.equal(review.reason, 'OwnerCanReadOtherTenantSecrets');
      assert.equal(find(checks, 'access-a', 'access.secret-readers').result, 'pass');
    } finally {
      await rbac.deleteNamespacedRoleBinding({ namespace: 'tenant-access-b', name: sabotage.metadata.name });
    }
  });

  it('finds a ClusterRoleBinding that lets a user read every Secret, in every tenant', async function () {
    const reader = {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'audit-sabotage-secret-reader' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    };
    await applyObjects(admin, [
      reader,
      binding('ClusterRoleBinding', 'audit-sabotage-secret-reader', reader.metadata.name, { kind: 'User', name: 'mallory' }),
    ]);
    try {
      const checks = await audit(true);
      for (const tenant of tenantNames) {
        const readers = find(checks, tenant, 'access.secret-readers');
        assert.equal(readers.reason, 'ForeignSubjectCanReadSecrets');
        assert.deepEqual(
          findingsOf(readers).map((f) => [f.subject, f.binding]),
          [['User:mallory', 'ClusterRoleBinding audit-sabotage-secret-reader']],
        );
        assert.equal(find(checks, tenant, 'access.workload-writers').result, 'pass');
      }
    } finally {
      await rbac.deleteClusterRoleBinding({ name: 'audit-sabotage-secret-reader' });
      await rbac.deleteClusterRole({ name: reader.metadata.name });
    }
  });

  it('finds an aggregated ClusterRole with no rules of its own whose aggregation picks up Secret access', async function () {
    const label = 'audit.bulkhead.dev/aggregate-to-sabotage';
    const aggregate = {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'audit-sabotage-aggregate' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }] },
      rules: [],
    };
    const piece = {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'audit-sabotage-piece', labels: { [label]: 'true' } },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
    };
    await applyObjects(admin, [
      aggregate,
      piece,
      binding(
        'RoleBinding',
        'audit-sabotage-aggregate',
        aggregate.metadata.name,
        { kind: 'Group', name: 'sabotage-readers' },
        'tenant-access-a',
      ),
    ]);
    try {
      const checks = await audit(true);
      const readers = find(checks, 'access-a', 'access.secret-readers');
      assert.equal(readers.reason, 'ForeignSubjectCanReadSecrets');
      assert.ok(
        findingsOf(readers).some(
          (f) =>
            f.subject === 'Group:sabotage-readers' &&
            f.role === 'ClusterRole audit-sabotage-aggregate' &&
            f.aggregatedFrom?.[0] === 'audit-sabotage-piece',
        ),
        JSON.stringify(readers.evidence),
      );
      assert.equal(find(checks, 'access-b', 'access.secret-readers').result, 'pass');
    } finally {
      await rbac.deleteNamespacedRoleBinding({ namespace: 'tenant-access-a', name: 'audit-sabotage-aggregate' });
      await rbac.deleteClusterRole({ name: aggregate.metadata.name });
      await rbac.deleteClusterRole({ name: piece.metadata.name });
    }
  });

  it('finds pods the namespace would admit once its Pod Security label is loosened (operator stopped, so it cannot repair it)', async function () {
    await operator?.stop();
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const enforce = (level: string) =>
      core.patchNamespace({ name: 'tenant-access-a', body: { metadata: { labels: { [podSecurityEnforce]: level } } } }, mergePatch);
    await enforce('privileged');
    try {
      const checks = await audit();
      const admitted = checks
        .filter((check) => check.id.startsWith('access.admission.') && check.result === 'fail')
        .map((c) => `${c.tenant ?? ''} ${c.reason}`)
        .sort();
      assert.deepEqual(admitted, [
        'access-a CapabilitiesAllowed',
        'access-a HostIPCAllowed',
        'access-a HostNetworkAllowed',
        'access-a HostPIDAllowed',
        'access-a HostPathAllowed',
        'access-a HostPortAllowed',
        'access-a PrivilegeEscalationAllowed',
        'access-a PrivilegedPodAllowed',
        'access-a RunAsRootAllowed',
      ]);
      assert.equal(find(checks, 'access-b', 'access.admission.privileged').result, 'pass');
    } finally {
      await enforce('restricted');
      operator = startOperator();
    }
  });

  it('passes again once the sabotage is removed', async function () {
    const checks = await audit();
    assert.deepEqual(failures(checks), [], describeChecks(failures(checks)));
  });
});
