/**
 * Services, levers on kube-proxy and the cluster DNS (docs/decisions/0008, bulkhead-tenant-services):
 * `externalIPs` make kube-proxy capture those addresses for every namespace (CVE-2020-8554);
 * NodePort and LoadBalancer open the Service outside the cluster network and around its
 * NetworkPolicies; an ExternalName into the cluster makes DNS hand out another namespace's Service
 * (and the ingress controller, which proxies to it from its own namespace, a confused deputy).
 */
import { isIP } from 'node:net';
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './model.js';

interface ServiceSpec {
  type?: string;
  externalIPs?: string[];
  externalName?: string;
}

const specOf = (service: ListedObject): ServiceSpec => service.spec ?? {};

const externalIps: CheckSpec = {
  id: 'network.external-ips',
  category: 'network',
  reasons: ['ExternalIPs'],
  title: (tenant) => `No Service in ${tenant.namespace} sets spec.externalIPs, which kube-proxy would capture for the whole cluster.`,
  clean: 'No Service sets externalIPs.',
};

const serviceTypes: CheckSpec = {
  id: 'network.service-types',
  category: 'network',
  reasons: ['NodePortOrLoadBalancer'],
  title: (tenant) =>
    `Every Service in ${tenant.namespace} is of type ClusterIP (or an allowed ExternalName): none is opened on the nodes or a load balancer.`,
  clean: 'No Service is of type NodePort or LoadBalancer.',
};

const externalNames: CheckSpec = {
  id: 'network.external-names',
  category: 'network',
  reasons: ['ExternalNameIntoCluster', 'ExternalNameNotAllowed'],
  title: (tenant) =>
    `No ExternalName Service in ${tenant.namespace} points into the cluster${tenant.allowExternalNames ? '' : ', and there is none at all (its plan does not allow them)'}.`,
  clean: 'No ExternalName Service points into the cluster or is refused by the plan.',
};

/** The name an ExternalName points at, as DNS compares it: lower case, without a trailing dot. */
export function externalNameTarget(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/**
 * Whether DNS would resolve the name inside the cluster: a single label (the search path makes it
 * a Service), `*.svc`, the cluster domain or under it, an IP address, localhost. As the admission
 * rule external-name-outside-cluster judges it.
 */
export function pointsIntoCluster(name: string, clusterDomain: string): boolean {
  const target = externalNameTarget(name);
  return (
    !target.includes('.') ||
    `.${target}.`.includes('.svc.') ||
    target === clusterDomain ||
    target.endsWith(`.${clusterDomain}`) ||
    isIP(target) !== 0 ||
    target === 'localhost'
  );
}

export function servicesChecks(tenant: TenantExposure, services: Listing, clusterDomain: string): AuditCheck[] {
  const own = inNamespace(services, tenant.namespace);
  const each = (find: (service: ListedObject) => Offence[]) => () => ('items' in own ? own.items.flatMap(find) : []);
  return [
    exposureCheck(externalIps, tenant, {
      listings: [own],
      offences: each((service) => {
        const ips = specOf(service).externalIPs ?? [];
        return ips.length > 0
          ? [
              {
                object: objectName(service),
                rule: ruleName('no-external-ips'),
                reason: 'ExternalIPs',
                detail: `spec.externalIPs is ${ips.join(', ')}`,
              },
            ]
          : [];
      }),
    }),
    exposureCheck(serviceTypes, tenant, {
      listings: [own],
      offences: each((service) => {
        const type = specOf(service).type ?? 'ClusterIP';
        return type === 'NodePort' || type === 'LoadBalancer'
          ? [
              {
                object: objectName(service),
                rule: ruleName('cluster-ip-only'),
                reason: 'NodePortOrLoadBalancer',
                detail: `spec.type is ${type}`,
              },
            ]
          : [];
      }),
    }),
    exposureCheck(externalNames, tenant, {
      listings: [own],
      offences: each((service) => externalNameOffences(service, tenant, clusterDomain)),
      evidence: { planAllowsExternalNames: tenant.allowExternalNames },
    }),
  ];
}

function externalNameOffences(service: ListedObject, tenant: TenantExposure, clusterDomain: string): Offence[] {
  const spec = specOf(service);
  if (spec.type !== 'ExternalName') return [];
  const target = spec.externalName ?? '';
  if (pointsIntoCluster(target, clusterDomain)) {
    return [
      {
        object: objectName(service),
        rule: ruleName('external-name-outside-cluster'),
        reason: 'ExternalNameIntoCluster',
        detail: `spec.externalName ${target} resolves inside the cluster`,
      },
    ];
  }
  if (!tenant.allowExternalNames) {
    return [
      {
        object: objectName(service),
        rule: ruleName('external-name-by-plan'),
        reason: 'ExternalNameNotAllowed',
        detail: `an ExternalName Service (to ${target}) the tenant's plan does not allow`,
      },
    ];
  }
  return [];
}
