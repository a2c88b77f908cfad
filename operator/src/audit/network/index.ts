/**
 * The offline NetworkPolicy reachability analyzer: which pod may open which connection to which
 * other pod, computed from manifests by the networking.k8s.io/v1 semantics, under explicit
 * assumptions for what the specification leaves to the network plugin.
 */
export type * from './model.js';
export { analyze, explain, podKey, visitAllowedFlows, type FlowVisitor } from './reachability.js';
export { assumptionsFrom, defaultAssumptions } from './assumptions.js';
export { formatProbe, parseProbe } from './probes.js';
export { Collector, ManifestError, loadManifestDirectory } from './manifests.js';
export { effectivePolicyTypes } from './policy-semantics.js';
