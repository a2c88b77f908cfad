/** The tenant namespaces' admission policies, as built (their CEL is exercised against kube-apiserver in shared-infrastructure.spec.ts). */
import assert from 'node:assert/strict';
import { admissionPolicyNames, buildAdmissionPolicies } from './admission-policies.js';

const settings = { clusterDomain: 'cluster.local', excludedCidrs: ['10.244.0.0/16', "weird'cidr"], baseDomain: 'tenants.example.com' };
const objects = buildAdmissionPolicies(settings) as (ReturnType<typeof buildAdmissionPolicies>[number] & {
  spec: Record<string, unknown>;
})[];

describe('admission policies', () => {
  it("builds each named policy followed by its binding, labelled as Bulkhead's", () => {
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      admissionPolicyNames.flatMap((name) => [`ValidatingAdmissionPolicy/${name}`, `ValidatingAdmissionPolicyBinding/${name}`]),
    );
    assert.ok(objects.every((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'bulkhead'));
  });

  it('binds the namespaced policies to tenant namespaces only, and the Tenant policy cluster-wide, denying and failing closed', () => {
    for (const binding of objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')) {
      assert.deepEqual(binding.spec.validationActions, ['Deny']);
      const selector = (binding.spec.matchResources as { namespaceSelector?: unknown } | undefined)?.namespaceSelector;
      if (binding.metadata.name === 'bulkhead-tenants') assert.equal(selector, undefined);
      else assert.deepEqual(selector, { matchExpressions: [{ key: 'bulkhead.dev/tenant', operator: 'Exists' }] });
    }
    assert.ok(objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy').every((p) => p.spec.failurePolicy === 'Fail'));
  });

  it('names a rule at the start of every refusal', () => {
    const validations = objects.flatMap((o) => (o.spec.validations as { message: string; messageExpression?: string }[] | undefined) ?? []);
    assert.ok(validations.length >= 16);
    for (const { message, messageExpression } of validations) {
      assert.match(message, /^bulkhead\.dev\/[a-z-]+: /);
      if (messageExpression) assert.match(messageExpression, /^'bulkhead\.dev\/[a-z-]+: /);
    }
  });

  it('carries the excluded ranges and the domains into the Tenant policy as quoted CEL literals', () => {
    const tenants = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'bulkhead-tenants');
    const variables = tenants?.spec.variables as { name: string; expression: string }[];
    assert.equal(variables.find((v) => v.name === 'excluded')?.expression, "['10.244.0.0/16', 'weird\\'cidr']");
    const validations = JSON.stringify(tenants?.spec.validations);
    assert.match(validations, /tenants\.example\.com/);
    assert.match(validations, /cluster\.local/);
  });
});
