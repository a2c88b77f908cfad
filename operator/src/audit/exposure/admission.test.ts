import assert from 'node:assert/strict';
import { buildAdmissionPolicies } from '../../resources/admission-policies.js';
import { buildNamespace } from '../../resources/namespace.js';
import type { KubeObject } from '../../runtime/types.js';
import { admissionCheck, type AdmissionFacts } from './admission.js';
import { specDifferences, withoutDefaults } from './admission-spec.js';
import type { ListedObject, Listing, TenantExposure } from './model.js';

const acme: TenantExposure = {
  name: 'acme',
  uid: 'u-acme',
  namespace: 'tenant-acme',
  domains: ['acme.tenants.test', 'acme.example'],
  allowExternalNames: false,
};
const built = buildAdmissionPolicies({
  clusterDomain: 'cluster.local',
  excludedCidrs: ['10.244.0.0/16', '169.254.0.0/16'],
  baseDomain: 'tenants.test',
});

type Spec = Record<string, unknown>;

/** What kube-apiserver's defaulting adds to what the operator applied. */
function asServed(object: KubeObject): ListedObject {
  const copy = structuredClone(object) as ListedObject & { spec: Spec };
  if (!copy.spec) return copy;
  const matching = (copy.spec.matchConstraints ?? copy.spec.matchResources) as Spec | undefined;
  if (matching) {
    Object.assign(matching, {
      matchPolicy: 'Equivalent',
      objectSelector: {},
      ...(matching.namespaceSelector ? {} : { namespaceSelector: {} }),
    });
    for (const rule of (matching.resourceRules as Spec[] | undefined) ?? []) rule.scope = '*';
  }
  return copy;
}

const listed = (objects: readonly KubeObject[]): Listing => ({ items: objects.map(asServed), served: true });
const namespace = buildNamespace({ name: 'acme', uid: 'u-acme' }, 'tenant-acme', {
  podSecurityVersion: 'v1.36',
  domains: acme.domains,
  allowExternalNameServices: false,
}) as ListedObject;

function facts(change: (objects: ListedObject[]) => void = () => undefined, ns: ListedObject = namespace): AdmissionFacts {
  const served = built.map(asServed);
  change(served);
  return {
    built,
    policies: { items: served.filter((o) => o.kind === 'ValidatingAdmissionPolicy'), served: true },
    bindings: { items: served.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding'), served: true },
    namespaces: listed([ns]),
  };
}

const named = (objects: ListedObject[], kind: string, name: string): ListedObject & { spec: Spec } => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found as ListedObject & { spec: Spec };
};

describe('the admission policy check', () => {
  it("passes the policies and bindings as the operator builds them, with the server's defaults added", () => {
    const check = admissionCheck(acme, facts());
    assert.equal(check.result, 'pass', check.message);
    assert.equal((check.evidence as { policies: string[] }).policies.length, 12);
  });

  it('finds a deleted policy and a deleted binding, naming each', () => {
    const check = admissionCheck(
      acme,
      facts((objects) => {
        objects.splice(objects.indexOf(named(objects, 'ValidatingAdmissionPolicyBinding', 'bulkhead-tenant-services')), 1);
        objects.splice(objects.indexOf(named(objects, 'ValidatingAdmissionPolicy', 'bulkhead-tenant-ingresses')), 1);
      }),
    );
    assert.equal(check.reason, 'AdmissionPolicyMissing');
    assert.match(
      check.message,
      /ValidatingAdmissionPolicy bulkhead-tenant-ingresses: does not exist \(bulkhead\.dev\/admission-policies-as-built\)/,
    );
    assert.match(check.message, /ValidatingAdmissionPolicyBinding bulkhead-tenant-services: does not exist/);
  });

  it('finds a binding that only warns', () => {
    const check = admissionCheck(
      acme,
      facts((objects) => {
        named(objects, 'ValidatingAdmissionPolicyBinding', 'bulkhead-tenant-endpoints').spec.validationActions = ['Warn', 'Audit'];
      }),
    );
    assert.equal(check.reason, 'AdmissionBindingNotDenying');
    assert.match(check.message, /validationActions is \["Warn","Audit"\], without Deny/);
  });

  it("finds a binding whose selector leaves out this tenant's namespace, or lets unlabelled objects through", () => {
    const narrowed = admissionCheck(
      acme,
      facts((objects) => {
        const binding = named(objects, 'ValidatingAdmissionPolicyBinding', 'bulkhead-tenant-ingresses');
        (binding.spec.matchResources as Spec).namespaceSelector = { matchLabels: { 'bulkhead.dev/tenant': 'globex' } };
      }),
    );
    assert.equal(narrowed.reason, 'AdmissionBindingMissesTenant');
    assert.match(narrowed.message, /bulkhead-tenant-ingresses: its namespaceSelector does not select the namespace/);
    const objectSelected = admissionCheck(
      acme,
      facts((objects) => {
        (named(objects, 'ValidatingAdmissionPolicy', 'bulkhead-tenant-services').spec.matchConstraints as Spec).objectSelector = {
          matchLabels: { checked: 'yes' },
        };
      }),
    );
    assert.equal(objectSelected.reason, 'AdmissionPolicyMissesTenant');
    assert.match(
      objectSelected.message,
      /ValidatingAdmissionPolicy bulkhead-tenant-services: its objectSelector lets objects without those labels through/,
    );
  });

  it('finds a policy switched off by an added matchCondition or a changed expression, naming where it differs', () => {
    const check = admissionCheck(
      acme,
      facts((objects) => {
        named(objects, 'ValidatingAdmissionPolicy', 'bulkhead-tenant-volumes').spec.matchConditions = [
          { name: 'never', expression: 'false' },
        ];
        ((named(objects, 'ValidatingAdmissionPolicy', 'bulkhead-tenants').spec.validations as Spec[])[0] as Spec).expression = 'true';
      }),
    );
    assert.equal(check.reason, 'AdmissionPolicyAltered');
    assert.match(
      check.message,
      /ValidatingAdmissionPolicy bulkhead-tenant-volumes: differs from what the operator builds at spec\.matchConditions/,
    );
    assert.match(check.message, /bulkhead-tenants: differs .* at spec\.validations\[0\]\.expression/);
  });

  it('finds namespace annotations that grant more than the platform does', () => {
    const widened = {
      ...namespace,
      metadata: {
        ...namespace.metadata,
        annotations: { 'bulkhead.dev/ingress-domains': 'acme.example,globex.example', 'bulkhead.dev/external-name-services': 'allowed' },
      },
    };
    const check = admissionCheck(acme, facts(undefined, widened));
    assert.equal(check.reason, 'AdmissionSettingsAltered');
    assert.equal((check.evidence as { findings: number }).findings, 2);
    assert.match(
      check.message,
      /Namespace tenant-acme: annotation bulkhead\.dev\/ingress-domains is "acme\.example,globex\.example", the platform grants "acme\.example,acme\.tenants\.test"/,
    );
  });

  it('is an error when the policies could not be listed', () => {
    assert.equal(
      admissionCheck(acme, { ...facts(), policies: { error: 'cannot list ValidatingAdmissionPolicy: forbidden' } }).result,
      'error',
    );
  });
});

describe('comparing admission specs', () => {
  it("drops the server's defaults and empty selectors, and nothing else", () => {
    assert.deepEqual(
      withoutDefaults({
        matchPolicy: 'Equivalent',
        namespaceSelector: {},
        resourceRules: [{ scope: '*', resources: ['a'] }],
        x: { y: {} },
      }),
      { resourceRules: [{ resources: ['a'] }] },
    );
    assert.deepEqual(withoutDefaults({ matchPolicy: 'Exact', scope: 'Namespaced' }), { matchPolicy: 'Exact', scope: 'Namespaced' });
  });

  it('names each path that differs, an entry added to a list included', () => {
    assert.deepEqual(specDifferences({ a: [1, 2], b: 'x' }, { a: [1, 2, 3], b: 'y', c: true }), [
      'spec.a (3 entries, built with 2)',
      'spec.b',
      'spec.c',
    ]);
  });
});
