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
  return pods.filter(
    (pod) =>
      pod.metadata.namespace === tenant.namespace &&
      pod.metadata.labels?.[tenantLabel] === tenant.name &&
      pod.metadata.labels[probeRunLabel] === undefined &&
      (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller === true && owner.kind === 'ReplicaSet') &&
      !['Succeeded', 'Failed'].includes(pod.status?.phase ?? ''),
  );
}

const firstAppPod = (tenant: TenantSite, pods: readonly PodLike[]): PodLike | undefined =>
  [...appPodsOf(tenant, pods)].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))[0];

/** The labels of the tenant's app pods (the first by name), or just the tenant label when none runs. */
export function appLabels(tenant: TenantSite, pods: readonly PodLike[]): Record<string, string> {
  const labels = { ...(firstAppPod(tenant, pods)?.metadata.labels ?? { [tenantLabel]: tenant.name }) };
  delete labels[templateHashLabel];
  return labels;
}

/**
 * The names the tenant's app pod (the first by name) gives its TCP container ports, by port. A
 * policy may allow a named port (the tenant's own, from the app Service's `targetPort: http`), which
 * matches only a pod that declares that name: the listener must declare it as the app does.
 */
export function appPortNames(tenant: TenantSite, pods: readonly PodLike[]): Record<number, string> {
  const containers = firstAppPod(tenant, pods)?.spec?.containers ?? [];
  const named = containers.flatMap((container) => container.ports ?? []).filter((port) => port.name && (port.protocol ?? 'TCP') === 'TCP');
  return Object.fromEntries(named.map((port) => [port.containerPort, port.name as string]));
}

/** The TCP ports of the app Services, named ports resolved against the app pods' container ports. */
export function declaredPorts(servicePorts: readonly ServicePort[], appPods: readonly PodLike[]): number[] {
  const containerPorts = appPods.flatMap((pod) => (pod.spec?.containers ?? []).flatMap((container) => container.ports ?? []));
  const numbers = servicePorts
    .filter((port) => port.protocol === 'TCP')
    .flatMap(({ port }) => {
      if (typeof port === 'number') return [port];
      return containerPorts
        .filter((declared) => declared.name === port && (declared.protocol ?? 'TCP') === 'TCP')
        .map((declared) => declared.containerPort);
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

/** The pods by namespace, in their order: each tenant's app pods were a filter of every pod, three times (docs/decisions/0060). */
function podsByNamespace(pods: readonly PodLike[]): Map<string, PodLike[]> {
  const byNamespace = new Map<string, PodLike[]>();
  for (const pod of pods) {
    const namespace = pod.metadata.namespace;
    if (namespace === undefined) continue;
    const into = byNamespace.get(namespace) ?? [];
    if (into.length === 0) byNamespace.set(namespace, into);
    into.push(pod);
  }
  return byNamespace;
}

export function probePlan(input: PlanInput): ProbePlan {
  const tenants = [...input.tenants].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const byNamespace = podsByNamespace(input.pods);
  // appPodsOf keeps only the tenant's namespace's pods: given those alone, it finds the same.
  const podsOf = (tenant: TenantSite): PodLike[] => byNamespace.get(tenant.namespace) ?? [];
  const declared = new Set(
    tenants.flatMap((tenant) => declaredPorts(input.servicePorts.get(tenant.name) ?? [], appPodsOf(tenant, podsOf(tenant)))),
  );
  const ports = declared.size > 0 ? [...declared].sort((a, b) => a - b) : [defaultProbePort];
  const probedNames = (names: Record<number, string>) =>
    Object.fromEntries(ports.flatMap((port) => (names[port] ? [[port, names[port]]] : [])));
  const sites: ProbeSite[] = tenants.map((tenant) => ({
    namespace: tenant.namespace,
    tenant: { name: tenant.name, uid: tenant.uid },
    labels: appLabels(tenant, podsOf(tenant)),
    portNames: probedNames(appPortNames(tenant, podsOf(tenant))),
  }));
  for (const namespace of input.platformNamespaces) {
    if (!sites.some((site) => site.namespace === namespace))
      sites.push({ namespace, labels: { 'app.kubernetes.io/name': 'bulkhead-audit-probe' }, portNames: {} });
  }
  return { runId: input.runId, sites, ports };
}
