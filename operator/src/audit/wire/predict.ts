/**
 * The analyzer's prediction for the probe pods themselves: the same NetworkPolicy semantics the
 * network part applies to the fleet, asked about exactly these pods (their labels, ports and
 * addresses), so that a disagreement with the wire is about enforcement, not about which pods were
 * asked about.
 */
import { explain, type Assumptions, type ClusterState, type Pod } from '../network/index.js';
import { probeRunLabel, type Observation } from './model.js';
import { listenerName, listenerPorts, tryingName } from './pods.js';

export type Prediction = ReadonlyMap<string, boolean>;

export const cellKey = (from: string, to: string, port: number): string => `${from}\u0000${to}\u0000${port}`;

function probePods(observation: Pick<Observation, 'plan' | 'listeners' | 'tryingAddresses'>): { trying: Pod[]; listening: Pod[] } {
  const { plan } = observation;
  // The first site of each namespace, as a find over the sites gave it, looked up once per pod (decision 0060).
  const sites = new Map<string, (typeof plan.sites)[number]>();
  for (const site of plan.sites) if (!sites.has(site.namespace)) sites.set(site.namespace, site);
  const siteOf = (namespace: string) => sites.get(namespace) ?? { namespace, labels: {}, portNames: {} };
  const labelsOf = (namespace: string) => ({ ...siteOf(namespace).labels, [probeRunLabel]: plan.runId });
  const trying = plan.sites.map(({ namespace }): Pod => {
    const address = observation.tryingAddresses[namespace];
    return {
      namespace,
      name: tryingName(plan.runId),
      labels: labelsOf(namespace),
      ports: [],
      hostNetwork: false,
      ...(address ? { podIP: address } : {}),
    };
  });
  const listening = observation.listeners.map((listener): Pod => ({
    namespace: listener.namespace,
    name: listenerName(plan.runId),
    labels: labelsOf(listener.namespace),
    hostNetwork: false,
    ports: listenerPorts(siteOf(listener.namespace), plan.ports),
    ...(listener.address ? { podIP: listener.address } : {}),
  }));
  return { trying, listening };
}

/** For every trying pod → listening pod and port: does the analyzer allow it? */
export function predict(
  cluster: Omit<ClusterState, 'pods'>,
  observation: Pick<Observation, 'plan' | 'listeners' | 'tryingAddresses'>,
  assumptions: Assumptions,
): Prediction {
  const { trying, listening } = probePods(observation);
  const sources = new Set(trying.map((pod) => `${pod.namespace}/${pod.name}`));
  const destinations = new Set(listening.map((pod) => `${pod.namespace}/${pod.name}`));
  const probes = observation.plan.ports.map((port) => ({ protocol: 'TCP' as const, port }));
  const { flows } = explain({ ...cluster, pods: [...trying, ...listening] }, probes, assumptions);
  const prediction = new Map<string, boolean>();
  for (const flow of flows) {
    if (!sources.has(flow.from) || !destinations.has(flow.to)) continue;
    prediction.set(cellKey(flow.from.split('/')[0] ?? '', flow.to.split('/')[0] ?? '', Number(flow.port)), flow.allowed);
  }
  return prediction;
}
