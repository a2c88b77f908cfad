/**
 * The exposure part of `bulkhead audit`: what each tenant namespace holds that acts on
 * infrastructure every tenant shares, judged by the rules the operator's admission policies enforce
 * (docs/decisions/0008), so that a cluster without those policies, or objects that predate them,
 * show as findings. Two halves, by category: network (Services, Ingresses, HTTPRoutes, hosts shared
 * between tenants, hand-written endpoints, NetworkPolicies not written by Bulkhead) and guardrails
 * (the admission policies themselves, finalizers, volume claims). Each kind is listed once for the
 * whole fleet; a kind that cannot be listed makes the checks that need it errors, not passes.
 */
import { setImmediate as turn } from 'node:timers/promises';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { Tenant } from '../../api/tenant.js';
import type { PlatformAddresses } from '../../controllers/tenant/platform-addresses.js';
import { buildAdmissionPolicies } from '../../resources/admission-policies.js';
import { inputObject, type ClusterReader } from '../cluster-reads.js';
import type { AuditCheck, InputObject } from '../model.js';
import { admissionCheck, byName } from './admission.js';
import { manualEndpointsCheck } from './endpoints.js';
import { byTenantNamespace, finalizerKinds, finalizersCheck } from './finalizers.js';
import { ingressChecks } from './ingresses.js';
import { byNamespace, indexListing, type Grouping, type ListedObject, type Listing, type TenantExposure } from './model.js';
import { policyAuthorsCheck } from './policy-authors.js';
import { servicesChecks } from './services.js';
import { hostClaims, indexHostClaims, sharedHostsCheck } from './shared-hosts.js';
import { exposureTenants } from './tenants.js';
import { volumesCheck } from './volumes.js';
import { errorMessage } from '../../runtime/errors.js';

export interface ExposureRequest {
  tenants: readonly Tenant[];
  plans: readonly TenantPlan[];
  config: Pick<OperatorConfig, 'network' | 'admissionPolicies'>;
  addresses: PlatformAddresses;
}

export interface ExposureResult {
  checks: AuditCheck[];
  inputs: InputObject[];
}

const admissionApi = 'admissionregistration.k8s.io/v1';
const httpRoute = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' };

/** Tenants judged between two turns of the event loop. */
const tenantsPerTurn = 100;

/**
 * The checks of every tenant, in the tenants' order, with a turn of the event loop every
 * `tenantsPerTurn` tenants: at a thousand tenants each half was one synchronous call of 0.2-0.3 s
 * of CPU (1.6 s before decision 0060), seconds on a starved machine beside the Lease renewals.
 */
async function eachTenant(tenants: readonly TenantExposure[], judge: (tenant: TenantExposure) => AuditCheck[]): Promise<AuditCheck[]> {
  const checks: AuditCheck[] = [];
  for (const [index, tenant] of tenants.entries()) {
    if (index > 0 && index % tenantsPerTurn === 0) await turn();
    checks.push(...judge(tenant));
  }
  return checks;
}

/** A kind's objects, or why they could not be listed; an optional kind the cluster does not serve is empty. */
async function listing(reader: ClusterReader, apiVersion: string, kind: string, optional = false): Promise<Listing> {
  try {
    if (optional && !(await reader.serves(apiVersion, kind))) return { items: [], served: false };
    return { items: await reader.list<ListedObject>(apiVersion, kind), served: true };
  } catch (error) {
    return { error: `cannot list ${kind} (${apiVersion}): ${errorMessage(error)}` };
  }
}

/** A kind's objects grouped by namespace, once for every check of the network half. */
async function byNamespaceListing(reader: ClusterReader, apiVersion: string, kind: string, optional = false): Promise<Listing> {
  return indexListing(await listing(reader, apiVersion, kind, optional), [byNamespace]);
}

/**
 * What the guardrail half's checks ask of each kind: every kind, the tenant's objects with its
 * Namespace (finalizersCheck); the volume claims, by namespace (volumesCheck); the Namespaces, by
 * name (admissionCheck).
 */
function guardrailGroupings(kind: string): Grouping[] {
  return [byTenantNamespace, ...(kind === 'PersistentVolumeClaim' ? [byNamespace] : []), ...(kind === 'Namespace' ? [byName] : [])];
}

/** The objects of the listings that belong to tenant namespaces, as report inputs. */
function inputsOf(listings: readonly Listing[], tenants: readonly TenantExposure[]): InputObject[] {
  const namespaces = new Set(tenants.map((tenant) => tenant.namespace));
  return listings
    .flatMap((found) => ('items' in found ? found.items : []))
    .filter((item) => namespaces.has(item.metadata.namespace ?? '') || (item.kind === 'Namespace' && namespaces.has(item.metadata.name)))
    .map(inputObject);
}

export async function auditNetworkExposure(reader: ClusterReader, request: ExposureRequest): Promise<ExposureResult> {
  const tenants = exposureTenants(request.tenants, request.plans, request.config.network.baseDomain);
  const [services, ingresses, routes, endpoints, slices, policies] = await Promise.all([
    byNamespaceListing(reader, 'v1', 'Service'),
    byNamespaceListing(reader, 'networking.k8s.io/v1', 'Ingress'),
    byNamespaceListing(reader, httpRoute.apiVersion, httpRoute.kind, true),
    byNamespaceListing(reader, 'v1', 'Endpoints'),
    byNamespaceListing(reader, 'discovery.k8s.io/v1', 'EndpointSlice'),
    byNamespaceListing(reader, 'networking.k8s.io/v1', 'NetworkPolicy'),
  ]);
  const claims = indexHostClaims(hostClaims(tenants, ingresses, routes));
  const checks = await eachTenant(tenants, (tenant) => [
    ...servicesChecks(tenant, services, request.config.network.clusterDomain),
    ...ingressChecks(tenant, ingresses, routes),
    sharedHostsCheck(tenant, claims, [ingresses, routes]),
    manualEndpointsCheck(tenant, endpoints, slices),
    policyAuthorsCheck(tenant, policies),
  ]);
  return { checks, inputs: inputsOf([services, ingresses, routes, endpoints, slices], tenants) };
}

export async function auditGuardrailExposure(reader: ClusterReader, request: ExposureRequest): Promise<ExposureResult> {
  const tenants = exposureTenants(request.tenants, request.plans, request.config.network.baseDomain);
  const byKind = await Promise.all(
    finalizerKinds.map(async ({ apiVersion, kind }) => ({
      kind,
      listing: indexListing(await listing(reader, apiVersion, kind, apiVersion === httpRoute.apiVersion), guardrailGroupings(kind)),
    })),
  );
  const claims = byKind.find(({ kind }) => kind === 'PersistentVolumeClaim')?.listing ?? {
    error: 'PersistentVolumeClaims were not listed',
  };
  const admission = request.config.admissionPolicies.enabled ? await admissionFacts(reader, request, byKind) : undefined;
  const checks = await eachTenant(tenants, (tenant) => [
    volumesCheck(tenant, claims),
    finalizersCheck(tenant, byKind),
    ...(admission ? [admissionCheck(tenant, admission)] : []),
  ]);
  const policies = admission
    ? [admission.policies, admission.bindings]
        .flatMap((found) => ('items' in found ? found.items : []))
        .filter((item) => admission.built.some((built) => built.kind === item.kind && built.metadata.name === item.metadata.name))
        .map(inputObject)
    : [];
  return {
    checks,
    inputs: [
      ...inputsOf(
        byKind.map(({ listing: found }) => found),
        tenants,
      ),
      ...policies,
    ],
  };
}

async function admissionFacts(reader: ClusterReader, request: ExposureRequest, byKind: readonly { kind: string; listing: Listing }[]) {
  const { network } = request.config;
  const built = buildAdmissionPolicies({
    clusterDomain: network.clusterDomain,
    excludedCidrs: request.addresses.excluded.map((range) => range.cidr),
    ...(network.baseDomain ? { baseDomain: network.baseDomain } : {}),
  });
  const [policies, bindings] = await Promise.all([
    listing(reader, admissionApi, 'ValidatingAdmissionPolicy'),
    listing(reader, admissionApi, 'ValidatingAdmissionPolicyBinding'),
  ]);
  const namespaces = byKind.find(({ kind }) => kind === 'Namespace')?.listing ?? { error: 'Namespaces were not listed' };
  return { built, policies, bindings, namespaces };
}
