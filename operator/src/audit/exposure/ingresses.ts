/**
 * Ingresses and Gateway API HTTPRoutes, levers on the ingress controller and gateway every tenant
 * shares (docs/decisions/0008, bulkhead-tenant-ingresses and -routes): a host outside the tenant's
 * domains takes another tenant's traffic; a rule without a host or a default backend takes every
 * host nobody else claims; controller configuration annotations run in the shared controller or
 * add hosts to it; a route without hostnames takes every host of the gateway's listener.
 */
import { hostWithin } from '../../resources/domains.js';
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './model.js';

interface IngressSpec {
  rules?: { host?: string }[];
  tls?: { hosts?: string[] }[];
  defaultBackend?: unknown;
}

const ingressSpec = (ingress: ListedObject): IngressSpec => ingress.spec ?? {};

/** Every host an Ingress names, with where: `spec.rules[0].host`, `spec.tls[1].hosts[0]`. */
export function ingressHosts(ingress: ListedObject): { host: string; field: string }[] {
  const spec = ingressSpec(ingress);
  const rules = (spec.rules ?? []).flatMap((rule, index) => (rule.host ? [{ host: rule.host, field: `spec.rules[${index}].host` }] : []));
  const tls = (spec.tls ?? []).flatMap((entry, index) =>
    (entry.hosts ?? []).map((host, at) => ({ host, field: `spec.tls[${index}].hosts[${at}]` })),
  );
  return [...rules, ...tls];
}

/** An HTTPRoute's hostnames (absent: every host of the listener). */
export function routeHostnames(route: ListedObject): string[] {
  return ((route.spec ?? {}) as { hostnames?: string[] }).hostnames ?? [];
}

const hosts: CheckSpec = {
  id: 'network.ingress-hosts',
  category: 'network',
  reasons: ['HostOutsideTenantDomains'],
  title: (tenant) =>
    `Every host of the Ingresses in ${tenant.namespace} (rules and tls) is one of the tenant's domains or under one (${tenant.domains.join(', ') || 'it has none'}).`,
  clean: "Every Ingress host is under one of the tenant's domains.",
};

const catchAll: CheckSpec = {
  id: 'network.ingress-catch-all',
  category: 'network',
  reasons: ['IngressRuleWithoutHost', 'IngressDefaultBackend'],
  title: (tenant) =>
    `No Ingress in ${tenant.namespace} has a rule without a host or a default backend, which would take every host nobody else claims.`,
  clean: 'Every Ingress rule names a host and no Ingress has a default backend.',
};

const configuration: CheckSpec = {
  id: 'network.ingress-configuration',
  category: 'network',
  reasons: ['ControllerConfiguration'],
  title: (tenant) =>
    `No Ingress in ${tenant.namespace} carries ingress-controller configuration (snippets, server-alias, auth-url), which runs in the controller every tenant shares.`,
  clean: 'No Ingress carries controller configuration annotations.',
};

const routes: CheckSpec = {
  id: 'network.route-hostnames',
  category: 'network',
  reasons: ['RouteWithoutHostnames', 'HostOutsideTenantDomains'],
  title: (tenant) => `Every HTTPRoute in ${tenant.namespace} lists hostnames, each one of the tenant's domains or under one.`,
  clean: "Every HTTPRoute lists hostnames under the tenant's domains.",
};

/** As the admission rule no-controller-configuration reads annotation keys. */
export function isControllerConfiguration(key: string): boolean {
  return key.includes('snippet') || ['/server-alias', '/auth-url', '/proxy-pass-params'].some((suffix) => key.endsWith(suffix));
}

function hostOffences(ingress: ListedObject, tenant: TenantExposure): Offence[] {
  return ingressHosts(ingress)
    .filter(({ host }) => !hostWithin(host, tenant.domains))
    .map(({ host, field }) => ({
      object: objectName(ingress),
      rule: ruleName('ingress-host-in-tenant-domains'),
      reason: 'HostOutsideTenantDomains',
      detail: `${field} ${host} is not under the tenant's domains`,
    }));
}

function catchAllOffences(ingress: ListedObject): Offence[] {
  const spec = ingressSpec(ingress);
  const hostless = (spec.rules ?? []).flatMap((rule, index) =>
    rule.host
      ? []
      : [
          {
            object: objectName(ingress),
            rule: ruleName('ingress-host-required'),
            reason: 'IngressRuleWithoutHost',
            detail: `spec.rules[${index}] has no host`,
          },
        ],
  );
  const fallback =
    spec.defaultBackend === undefined
      ? []
      : [
          {
            object: objectName(ingress),
            rule: ruleName('no-default-backend'),
            reason: 'IngressDefaultBackend',
            detail: 'spec.defaultBackend is set',
          },
        ];
  return [...hostless, ...fallback];
}

function configurationOffences(ingress: ListedObject): Offence[] {
  return Object.keys(ingress.metadata.annotations ?? {})
    .filter(isControllerConfiguration)
    .map((key) => ({
      object: objectName(ingress),
      rule: ruleName('no-controller-configuration'),
      reason: 'ControllerConfiguration',
      detail: `annotation ${key}`,
    }));
}

function routeOffences(route: ListedObject, tenant: TenantExposure): Offence[] {
  const names = routeHostnames(route);
  if (names.length === 0) {
    return [
      {
        object: objectName(route),
        rule: ruleName('route-hostnames-required'),
        reason: 'RouteWithoutHostnames',
        detail: 'spec.hostnames is empty, so it takes every host of its listener',
      },
    ];
  }
  return names
    .filter((host) => !hostWithin(host, tenant.domains))
    .map((host) => ({
      object: objectName(route),
      rule: ruleName('route-hostnames-in-tenant-domains'),
      reason: 'HostOutsideTenantDomains',
      detail: `hostname ${host} is not under the tenant's domains`,
    }));
}

export function ingressChecks(tenant: TenantExposure, ingresses: Listing, httpRoutes: Listing): AuditCheck[] {
  const own = inNamespace(ingresses, tenant.namespace);
  const ownRoutes = inNamespace(httpRoutes, tenant.namespace);
  const each = (listing: Listing, find: (object: ListedObject) => Offence[]) => () =>
    'items' in listing ? listing.items.flatMap(find) : [];
  const domains = { domains: tenant.domains };
  return [
    exposureCheck(hosts, tenant, { listings: [own], offences: each(own, (ingress) => hostOffences(ingress, tenant)), evidence: domains }),
    exposureCheck(catchAll, tenant, { listings: [own], offences: each(own, catchAllOffences) }),
    exposureCheck(configuration, tenant, { listings: [own], offences: each(own, configurationOffences) }),
    exposureCheck(routes, tenant, {
      listings: [ownRoutes],
      offences: each(ownRoutes, (route) => routeOffences(route, tenant)),
      evidence: { ...domains, served: 'items' in httpRoutes ? httpRoutes.served : null },
    }),
  ];
}
