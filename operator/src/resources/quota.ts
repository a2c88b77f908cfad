/**
 * ResourceQuota and LimitRange from the tenant's plan. Besides compute and storage, the quota
 * caps object counts and pins NodePort and LoadBalancer Services to zero: a tenant must not open
 * a port on every node or get an external address the platform did not give it.
 */
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

export interface PlanQuota {
  cpu: string | number;
  memory: string | number;
  storage: string | number;
  pods: number;
  services: number;
  persistentVolumeClaims: number;
  configMaps: number;
  secrets: number;
}

export interface ComputeResources {
  cpu: string | number;
  memory: string | number;
}

export interface PlanLimits {
  defaultRequest: ComputeResources;
  default: ComputeResources;
  max: ComputeResources;
}

export const resourceQuotaName = 'tenant-quota';
export const limitRangeName = 'tenant-limits';

const quantity = (value: string | number): string => String(value);

export function buildResourceQuota(tenant: TenantIdentity, namespace: string, quota: PlanQuota): KubeObject & { spec: object } {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: childMeta(tenant, resourceQuotaName, namespace),
    spec: {
      hard: {
        'requests.cpu': quantity(quota.cpu),
        'limits.cpu': quantity(quota.cpu),
        'requests.memory': quantity(quota.memory),
        'limits.memory': quantity(quota.memory),
        'requests.storage': quantity(quota.storage),
        pods: String(quota.pods),
        services: String(quota.services),
        'services.loadbalancers': '0',
        'services.nodeports': '0',
        persistentvolumeclaims: String(quota.persistentVolumeClaims),
        configmaps: String(quota.configMaps),
        secrets: String(quota.secrets),
      },
    },
  };
}

const resources = (r: ComputeResources): Record<string, string> => ({ cpu: quantity(r.cpu), memory: quantity(r.memory) });

export function buildLimitRange(tenant: TenantIdentity, namespace: string, limits: PlanLimits): KubeObject & { spec: object } {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: childMeta(tenant, limitRangeName, namespace),
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: resources(limits.defaultRequest),
          default: resources(limits.default),
          max: resources(limits.max),
        },
      ],
    },
  };
}
