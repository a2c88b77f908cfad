/**
 * Rendered chart objects made into tenant children: placed in the tenant namespace, labelled with
 * the tenant and owned by the Tenant, so that drift on them wakes the tenant and garbage
 * collection removes them with it.
 */
import { tenantLabels } from '../api/labels.js';
import type { KubeObject } from '../runtime/types.js';
import { ownerReference, type TenantIdentity } from './meta.js';

export function adoptReleaseObjects(objects: KubeObject[], tenant: TenantIdentity, namespace: string): KubeObject[] {
  return objects.map((object) => ({
    ...object,
    metadata: {
      ...object.metadata,
      namespace,
      labels: { ...object.metadata.labels, ...tenantLabels(tenant.name) },
      ownerReferences: [ownerReference(tenant)],
    },
  }));
}

interface DeploymentLike extends KubeObject {
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

/**
 * Why a rendered Deployment is not yet healthy, or undefined when it is: the controller has seen
 * its latest spec, every replica runs the new template, and all of them are available
 * (what `kubectl rollout status` waits for).
 */
export function deploymentProblem(live: KubeObject | undefined): string | undefined {
  if (!live) return 'not created yet';
  const { generation, wanted, observedGeneration, replicas, updatedReplicas, availableReplicas } = rolloutNumbers(live);
  if (observedGeneration < generation) return 'its new spec is not observed yet';
  if (updatedReplicas < wanted) return `${updatedReplicas}/${wanted} replicas updated`;
  if (replicas > wanted) return `${replicas - wanted} old replicas still terminating`;
  if (availableReplicas < wanted) return `${availableReplicas}/${wanted} replicas available`;
  return undefined;
}

/** The Deployment's rollout counters, absent ones as the API defaults them (replicas 1, others 0). */
function rolloutNumbers(deployment: DeploymentLike): Record<string, number> & {
  generation: number;
  wanted: number;
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  availableReplicas: number;
} {
  const status = deployment.status ?? {};
  return {
    generation: deployment.metadata.generation ?? 0,
    wanted: deployment.spec?.replicas ?? 1,
    observedGeneration: status.observedGeneration ?? 0,
    replicas: status.replicas ?? 0,
    updatedReplicas: status.updatedReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
  };
}
