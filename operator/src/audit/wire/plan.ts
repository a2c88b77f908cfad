/**
 * Which namespaces the audit probes and on which ports, from the live fleet: every tenant
 * namespace, its probe pods labelled as its app pods are (so the tenant's policies, and any policy
 * someone added for the app, select them alike), the platform's ingress namespace when the caller
 * may run pods there, and the TCP ports the tenants' app Services send to.
 */
import { tenantLabel } from '../../api/labels.js';
import type { KubeObject } from '../../runtime/types.js';
import type { ServicePort } from '../fleet-network/model.js';
import { probeRunLabel, type ProbePlan, type ProbeSite } from './model.js';

export interface TenantSite {
  name: string;
  uid: string;
  namespace: string;
}

interface PodLike {
  metadata: KubeObject['metadata'];
  spec?: { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] };
  status?: { phase?: string };
}

/** Set by the Deployment controller per template revision: not something a policy selects on. */
const templateHashLabel = 'pod-template-hash';

/** The fallback when no app pod runs and the app declares no port: the product chart's port. */
export const defaultProbePort = 8080;

/** The tenant's running app pods: its label, a ReplicaSet as controller, not a probe. */
export function appPodsOf(tenant: TenantSite, pods: readonly PodLike[]): PodLike[] {
  return pods.filter((pod) => pod.metadata.namespace === tenant.namespace
    && pod.metadata.labels?.[tenantLabel] === tenant.name
    && pod.metadata.labels[probeRunLabel] === undefined
    && (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller === true && owner.kind === 'ReplicaSet')
    && !['Succeeded', 'Failed'].includes(pod.status?.phase ?? ''));
}

/** The labels of the tenant's app pods (the first by name), or just the tenant label when none runs. */
export function appLabels(tenant: TenantSite, pods: readonly PodLike[]): Record<string, string> {
  const [first] = [...appPodsOf(tenant, pods)].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const labels = { ...(first?.metadata.labels ?? { [tenantLabel]: tenant.name }) };
  delete labels[templateHashLabel];
  return labels;
}

/** The TCP ports of the app Services, named ports resolved against the app pods' container ports. */
export function declaredPorts(servicePorts: readonly ServicePort[], appPods: readonly PodLike[]): number[] {
  const containerPorts = appPods.flatMap((pod) => (pod.spec?.containers ?? []).flatMap((container) => container.ports ?? []));
  const numbers = servicePorts.filter((port) => port.protocol === 'TCP').flatMap(({ port }) => {
    if (typeof port === 'number') return [port];
    return containerPorts.filter((declared) => declared.name === port && (declared.protocol ?? 'TCP') === 'TCP').map((declared) => declared.containerPort);
  });
  return [...new Set(numbers)].sort((a, b) => a - b);
}

export interface PlanInput {
  runId: string;
  tenants: readonly TenantSite[];
  pods: readonly PodLike[];
  /** Per tenant name, its app Services' ports. */
  servicePorts: ReadonlyMap<string, readonly ServicePort[]>;
  /** Platform namespaces to probe from and to (the ingress controller's), when the caller may run pods there. */
  platformNamespaces: readonly string[];
}

export function probePlan(input: PlanInput): ProbePlan {
  const tenants = [...input.tenants].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const sites: ProbeSite[] = tenants.map((tenant) => ({
    namespace: tenant.namespace, tenant: { name: tenant.name, uid: tenant.uid }, labels: appLabels(tenant, input.pods),
  }));
  for (const namespace of input.platformNamespaces) {
    if (!sites.some((site) => site.namespace === namespace)) sites.push({ namespace, labels: { 'app.kubernetes.io/name': 'bulkhead-audit-probe' } });
  }
  const ports = new Set(tenants.flatMap((tenant) => declaredPorts(input.servicePorts.get(tenant.name) ?? [], appPodsOf(tenant, input.pods))));
  return { runId: input.runId, sites, ports: ports.size > 0 ? [...ports].sort((a, b) => a - b) : [defaultProbePort] };
}
