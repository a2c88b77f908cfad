/**
 * The exposure checks from listings grouped once per run (docs/decisions/0060) are those of the
 * scans before, byte for byte, on random fleets: objects in tenant namespaces, elsewhere and
 * without a namespace, Namespaces of the same name twice, finalizers, admission policies present,
 * missing or altered, host claims with wildcards, trailing dots and capitals, declared domains
 * inside each other, of one label, and claimed at the same moment.
 */
import assert from 'node:assert/strict';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { Tenant } from '../../api/tenant.js';
import { buildAdmissionPolicies } from '../../resources/admission-policies.js';
import { buildNamespace } from '../../resources/namespace.js';
import { admissionCheck, byName } from '../exposure/admission.js';
import { byTenantNamespace, finalizersCheck } from '../exposure/finalizers.js';
import { byNamespace, indexListing, inNamespace, type ListedObject, type Listing, type TenantExposure } from '../exposure/model.js';
import { indexHostClaims, sharedHostsCheck, type HostClaim } from '../exposure/shared-hosts.js';
import { exposureTenants } from '../exposure/tenants.js';
import { seeded, seeds, type Random } from './random.js';
import { admissionCheck as admissionCheckBefore } from './reference/exposure-admission.js';
import { finalizersCheck as finalizersCheckBefore } from './reference/exposure-finalizers.js';
import { inNamespace as inNamespaceBefore } from './reference/exposure-model.js';
import { sharedHostsCheck as sharedHostsCheckBefore } from './reference/exposure-shared-hosts.js';
import { exposureTenants as exposureTenantsBefore } from './reference/exposure-tenants.js';

const fixedSeeds = Array.from({ length: 30 }, (_, i) => 2000 + i);
const kinds = ['Namespace', 'Pod', 'Service', 'RoleBinding', 'PersistentVolumeClaim'];
const finalizerNames = ['kubernetes', 'foregroundDeletion', 'bulkhead.dev/operator-access', 'example.com/hold', 'orphan'];

function tenantsOf(random: Random): TenantExposure[] {
  return Array.from({ length: 2 + random.int(15) }, (_, i) => ({
    name: `t${i}`,
    uid: `u-t${i}`,
    namespace: `tenant-t${i}`,
    domains: [`t${i}.apps.test`, ...(random.chance(0.3) ? [random.pick(['shop.test', 'a.shop.test', 'other.test'])] : [])],
    allowExternalNames: random.chance(0.5),
  }));
}

function objectOf(random: Random, tenants: readonly TenantExposure[], index: number): ListedObject {
  const kind = random.pick(kinds);
  const namespace = random.pick([...tenants.map((tenant) => tenant.namespace), 'kube-system', undefined]);
  const name = kind === 'Namespace' ? random.pick([...tenants.map((tenant) => tenant.namespace), 'default']) : `o${index}`;
  return {
    apiVersion: 'v1',
    kind,
    metadata: {
      name,
      ...(kind !== 'Namespace' || random.chance(0.1) ? (namespace === undefined ? {} : { namespace }) : {}),
      uid: `uid-${index}`,
      labels: random.chance(0.5) ? { 'pod-security.kubernetes.io/enforce': 'restricted', 'bulkhead.dev/tenant': 'x' } : {},
      ...(random.chance(0.3) ? { finalizers: [random.pick(finalizerNames)] } : {}),
      ...(random.chance(0.3) ? { annotations: { 'bulkhead.dev/ingress-domains': random.pick(['', 't0.apps.test']) } } : {}),
    },
  };
}

function listingOf(random: Random, tenants: readonly TenantExposure[]): Listing {
  if (random.chance(0.05)) return { error: 'cannot list' };
  return {
    items: Array.from({ length: random.int(tenants.length * 4) }, (_, i) => objectOf(random, tenants, i)),
    served: random.chance(0.9),
  };
}

const builtPolicies = buildAdmissionPolicies({ clusterDomain: 'cluster.local', excludedCidrs: ['10.96.0.0/12'], baseDomain: 'apps.test' });

function admissionListing(random: Random, kind: string): Listing {
  const items = builtPolicies
    .filter((object) => object.kind === kind && random.chance(0.9))
    .map((object) => {
      const copy = structuredClone(object) as ListedObject;
      if (random.chance(0.1)) copy.spec = { ...copy.spec, validationActions: ['Warn'] };
      return copy;
    });
  return { items, served: true };
}

function namespacesListing(random: Random, tenants: readonly TenantExposure[]): Listing {
  const namespaces = tenants.flatMap((tenant) => {
    const namespace = buildNamespace(tenant, tenant.namespace, {
      podSecurityVersion: 'v1.30',
      domains: random.chance(0.8) ? tenant.domains : [],
      allowExternalNameServices: tenant.allowExternalNames,
    }) as ListedObject;
    // A second object of the same name after the first (find took the first).
    return random.chance(0.1) ? [namespace, { ...namespace, metadata: { ...namespace.metadata, labels: {} } }] : [namespace];
  });
  return { items: namespaces.sort(() => random.next() - 0.5), served: true };
}

const hosts = [
  'shop.test',
  '*.shop.test',
  'a.shop.test',
  'A.Shop.Test.',
  '*.a.shop.test',
  'x.a.shop.test',
  'other.test',
  '*.test',
  'test',
  '*.',
];

function claimsOf(random: Random, tenants: readonly TenantExposure[]): HostClaim[] {
  return Array.from({ length: random.int(tenants.length * 2) }, (_, i) => ({
    tenant: random.pick(tenants).name,
    host: random.chance(0.7) ? random.pick(hosts) : `${random.pick(['www', '*'])}.${random.pick(tenants).name}.apps.test`,
    object: `Ingress ns/i${i}`,
    field: `spec.rules[${i}].host`,
  }));
}

function fleetOf(random: Random): { tenants: Tenant[]; plans: TenantPlan[] } {
  const tenants = Array.from({ length: 2 + random.int(20) }, (_, i) => {
    const domains = Array.from({ length: random.int(3) }, () =>
      random.pick(['shop.test', 'a.shop.test', 'b.a.shop.test', 'other.test', 'test', `own${i}.test`, 'x.other.test']),
    );
    return {
      metadata: { name: `t${i}`, uid: `u${i}`, creationTimestamp: `2026-01-0${1 + random.int(3)}T00:00:00Z` },
      spec: { plan: random.pick(['open', 'closed', 'missing']), region: 'r', owners: [], network: { domains } },
      status: random.chance(0.8) ? { namespace: `tenant-t${i}` } : undefined,
    } as unknown as Tenant;
  });
  const plans = ['open', 'closed'].map(
    (name) => ({ metadata: { name }, spec: { network: { allowExternalNameServices: name === 'open' } } }) as unknown as TenantPlan,
  );
  return { tenants: tenants.sort(() => random.next() - 0.5), plans };
}

const same = (actual: unknown, expected: unknown, seed: number): void => {
  assert.deepEqual(actual, expected, `seed ${seed} (EQUIVALENCE_SEEDS=${seed} reproduces it)`);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), `seed ${seed}: the same bytes`);
};

describe('the exposure checks from grouped listings (decision 0060)', function () {
  this.timeout(60_000);

  it("take each namespace's objects, and each tenant's finalizers, as the scans did", () => {
    let offences = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const listings = Array.from({ length: 4 }, () => listingOf(random, tenants));
      const byKind = listings.map((listing, index) => ({ kind: kinds[index] ?? 'Pod', listing }));
      // As the audit passes them: grouped once (decision 0063); and as a test passes them, grouped per call.
      const indexed = byKind.map(({ kind, listing }) => ({ kind, listing: indexListing(listing, [byNamespace, byTenantNamespace]) }));
      for (const namespace of [...tenants.map((tenant) => tenant.namespace), 'kube-system', 'absent']) {
        listings.forEach((listing, index) => {
          same(inNamespace(listing, namespace), inNamespaceBefore(listing, namespace), seed);
          same(inNamespace(indexed[index]?.listing as Listing, namespace), inNamespaceBefore(listing, namespace), seed);
        });
      }
      for (const tenant of tenants) {
        const check = finalizersCheck(tenant, byKind);
        same(check, finalizersCheckBefore(tenant, byKind), seed);
        same(finalizersCheck(tenant, indexed), check, seed);
        if (check.result === 'fail') offences += 1;
      }
    }
    assert.ok(offences > 10, `only ${offences} finalizer findings: the inputs test nothing`);
  });

  it('judge the admission policies against the first Namespace of the name, as find did', () => {
    let findings = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const facts = {
        built: builtPolicies,
        policies: admissionListing(random, 'ValidatingAdmissionPolicy'),
        bindings: admissionListing(random, 'ValidatingAdmissionPolicyBinding'),
        namespaces: namespacesListing(random, tenants),
      };
      const indexed = { ...facts, namespaces: indexListing(facts.namespaces, [byName]) };
      for (const tenant of tenants) {
        const check = admissionCheck(tenant, facts);
        same(check, admissionCheckBefore(tenant, facts), seed);
        same(admissionCheck(tenant, indexed), check, seed);
        if (check.result === 'fail') findings += 1;
      }
    }
    assert.ok(findings > 10, `only ${findings} admission findings: the inputs test nothing`);
  });

  it('find the same shared hosts, naming the same first other claim, wildcards and spellings included', () => {
    let shared = 0;
    let throughWildcards = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const claims = claimsOf(random, tenants);
      const listings: Listing[] = [{ items: [], served: true }];
      const indexed = indexHostClaims(claims);
      for (const tenant of tenants) {
        const check = sharedHostsCheck(tenant, indexed, listings);
        same(check, sharedHostsCheckBefore(tenant, claims, listings), seed);
        same(sharedHostsCheck(tenant, claims, listings), check, seed);
        if (check.result !== 'fail') continue;
        shared += 1;
        if (/\*/.test(check.message)) throughWildcards += 1;
      }
    }
    assert.ok(shared > 10 && throughWildcards > 5, `${shared} shared-host findings, ${throughWildcards} through wildcards`);
  });

  it("grant each tenant the domains the fleet's claims leave it, as tenantDomains over every claimant did", () => {
    let withheld = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const { tenants, plans } = fleetOf(random);
      const baseDomain = random.pick(['apps.test', undefined]);
      const now = exposureTenants(tenants, plans, baseDomain);
      same(now, exposureTenantsBefore(tenants, plans, baseDomain), seed);
      withheld += tenants.filter((tenant, index) =>
        (tenant.spec.network?.domains ?? []).some((d) => !now[index]?.domains.includes(d)),
      ).length;
    }
    assert.ok(withheld > 10, `only ${withheld} tenants had a domain withheld: the inputs test nothing`);
  });
});
