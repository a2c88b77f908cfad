/**
 * The audit's probes on the wire (`bulkhead audit --probe`, and the operator's periodic audit when
 * `audit.probes.enabled`): short-lived probe pods in every tenant namespace (and the platform's
 * ingress namespace where the caller may run pods), every ordered pair tried on the declared ports,
 * the observed matrix set beside the analyzer's prediction for the same pods. See
 * docs/decisions/0020-audit-probes.md.
 */
import { randomBytes } from 'node:crypto';
import type { Tenant } from '../../api/tenant.js';
import { namespaceName } from '../../api/names.js';
import type { KubeClient } from '../../kube/client.js';
import { listAll, type ClusterReader } from '../cluster-reads.js';
import { appServicePorts } from '../fleet-network/index.js';
import type { AuditCheck } from '../model.js';
import type { Assumptions } from '../network/index.js';
import { NamespaceManifestSchema, NetworkPolicyManifestSchema, namespaceOf, networkPolicyOf } from '../network/manifest-schema.js';
import { enforcementChecks, measuredEnforcementLimitation, probedMatrix } from './judge.js';
import type { Observation, ProbedMatrix } from './model.js';
import { probePlan } from './plan.js';
import type { ProbePodSettings } from './pods.js';
import { predict } from './predict.js';
import { runProbes } from './run.js';

export type { ProbedMatrix, ProbedCell } from './model.js';
export { probeRunLabel } from './model.js';
export { defaultProbePodSettings, type ProbePodSettings } from './pods.js';

export interface WireAuditOptions {
  tenants: readonly Tenant[];
  /** Platform namespaces to probe too (the ingress controller's); the operator passes none. */
  platformNamespaces: readonly string[];
  assumptions: Assumptions;
  concurrency: number;
  fieldManager: string;
  settings?: ProbePodSettings;
  signal?: AbortSignal;
}

export interface WireAuditResult {
  checks: AuditCheck[];
  probed: ProbedMatrix;
  /** Replaces "cannot prove enforcement" when every attempt was measured. */
  limitation: string | null;
  observation: Observation;
}

async function policiesNow(client: KubeClient) {
  const [namespaces, policies] = await Promise.all([
    listAll(client, 'v1', 'Namespace'),
    listAll(client, 'networking.k8s.io/v1', 'NetworkPolicy'),
  ]);
  return {
    namespaces: namespaces.map((object) => namespaceOf(NamespaceManifestSchema.parse(object))),
    policies: policies.map((object) => networkPolicyOf(NetworkPolicyManifestSchema.parse(object))),
  };
}

export async function auditOnTheWire(client: KubeClient, reader: ClusterReader, options: WireAuditOptions): Promise<WireAuditResult> {
  const [pods, services, namespaces] = await Promise.all([
    reader.list('v1', 'Pod'),
    reader.list('v1', 'Service'),
    reader.list('v1', 'Namespace'),
  ]);
  // A platform namespace the cluster does not have is not probed (the matrix lists what was).
  const present = new Set(namespaces.map((namespace) => namespace.metadata.name));
  const tenants = options.tenants.filter((tenant) => tenant.metadata.deletionTimestamp === undefined);
  const plan = probePlan({
    runId: randomBytes(3).toString('hex'),
    tenants: tenants.map((tenant) => ({
      name: tenant.metadata.name,
      uid: tenant.metadata.uid ?? '',
      namespace: tenant.status?.namespace ?? namespaceName(tenant),
    })),
    pods,
    servicePorts: new Map(tenants.map((tenant) => [tenant.metadata.name, appServicePorts(tenant, services)])),
    platformNamespaces: options.platformNamespaces.filter((namespace) => present.has(namespace)),
  });
  const running = options.signal ? client.withSignal(options.signal) : client;
  const observation = await runProbes({
    client: running,
    cleanupClient: client,
    plan,
    concurrency: options.concurrency,
    fieldManager: options.fieldManager,
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // The policies as they were when the attempts ended: what the wire is compared with.
  const prediction = predict(await policiesNow(client), observation, options.assumptions);
  return {
    checks: enforcementChecks(observation, prediction),
    probed: probedMatrix(observation, prediction),
    limitation: measuredEnforcementLimitation(observation, prediction),
    observation,
  };
}
