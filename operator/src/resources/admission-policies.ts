/**
 * The admission rules of every tenant namespace, as ValidatingAdmissionPolicies (CEL evaluated by
 * kube-apiserver itself; no webhook to run or to fail open) and their bindings. Each object kind an
 * owner (or a chart) may create is a lever on infrastructure every tenant shares: kube-proxy
 * (externalIPs, NodePort, LoadBalancer, hand-written Endpoints), DNS (ExternalName), the ingress
 * controller (hosts, default backends, snippets), storage (pre-bound volumes). Every refusal starts
 * with the rule's name, `bulkhead.dev/<rule>`, and says why. See docs/decisions/0008.
 *
 * The policies read what a tenant may do from its namespace's labels and annotations, which owners
 * cannot change (resources/namespace.ts); the Tenant policy carries the operator's cluster ranges.
 */
import { externalNameServicesAnnotation, ingressDomainsAnnotation, managedByLabel, managedByValue, tenantLabel } from '../api/labels.js';
import type { KubeObject } from '../runtime/types.js';

export interface Validation {
  expression: string;
  /** Shown when the expression is false; messageExpression, when given, says more (which host, which CIDR). */
  message: string;
  messageExpression?: string;
}

export interface AdmissionPolicySettings {
  /** The cluster's DNS domain (cluster.local). */
  clusterDomain: string;
  /** Ranges a declared egress CIDR may not lie inside (resources/egress.ts). */
  excludedCidrs: readonly string[];
  /** The platform's base domain for tenant host names, if any. */
  baseDomain?: string;
}

interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
}

interface PolicyDefinition {
  name: string;
  rules: ResourceRule[];
  variables?: { name: string; expression: string }[];
  validations: Validation[];
  /** Bound to tenant namespaces only (false for the cluster-scoped Tenant policy). */
  tenantNamespaces: boolean;
}

const writes = ['CREATE', 'UPDATE'];
const policyApiVersion = 'admissionregistration.k8s.io/v1';
const labels = { [managedByLabel]: managedByValue };

/** CEL string literal. */
const literal = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const rule = (name: string, why: string): string => `bulkhead.dev/${name}: ${why}`;

/** A namespace annotation as a CEL expression, '' when absent. */
const namespaceAnnotation = (key: string): string =>
  `has(namespaceObject.metadata.annotations) && ${literal(key)} in namespaceObject.metadata.annotations ? namespaceObject.metadata.annotations[${literal(key)}] : ''`;

/** Control-plane controllers that legitimately write Endpoints, EndpointSlices and PVC bindings. */
const isControlPlane =
  "request.userInfo.username.startsWith('system:serviceaccount:kube-system:') || request.userInfo.username == 'system:kube-controller-manager'";

function servicesPolicy(settings: AdmissionPolicySettings): PolicyDefinition {
  const domain = settings.clusterDomain;
  return {
    name: 'bulkhead-tenant-services',
    tenantNamespaces: true,
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: writes, resources: ['services'] }],
    variables: [
      { name: 'type', expression: "has(object.spec.type) ? object.spec.type : 'ClusterIP'" },
      {
        name: 'target',
        expression:
          "has(object.spec.externalName) ? (object.spec.externalName.endsWith('.') ? object.spec.externalName.substring(0, size(object.spec.externalName) - 1) : object.spec.externalName).lowerAscii() : ''",
      },
    ],
    validations: [
      {
        expression: '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
        message: rule(
          'no-external-ips',
          'spec.externalIPs is not allowed in a tenant namespace: kube-proxy would capture traffic to those addresses from every namespace (CVE-2020-8554)',
        ),
      },
      {
        expression: "variables.type in ['ClusterIP', 'ExternalName']",
        message: rule(
          'cluster-ip-only',
          'a Service in a tenant namespace must be of type ClusterIP: NodePort and LoadBalancer open it outside the cluster network and around its NetworkPolicies',
        ),
      },
      {
        expression: `variables.type != 'ExternalName' || (${namespaceAnnotation(externalNameServicesAnnotation)}) == 'allowed'`,
        message: rule(
          'external-name-by-plan',
          "ExternalName Services are not allowed by this tenant's plan (TenantPlan spec.network.allowExternalNameServices)",
        ),
      },
      {
        expression: `variables.type != 'ExternalName' || (variables.target.contains('.') && !('.' + variables.target + '.').contains('.svc.') && variables.target != ${literal(domain)} && !variables.target.endsWith(${literal(`.${domain}`)}) && !isIP(variables.target) && variables.target != 'localhost')`,
        message: rule(
          'external-name-outside-cluster',
          `an ExternalName Service may not point at a name inside the cluster (*.svc, *.${domain}, an IP address or a single label): DNS would hand out another namespace's Service`,
        ),
      },
    ],
  };
}

function ingressesPolicy(): PolicyDefinition {
  return {
    name: 'bulkhead-tenant-ingresses',
    tenantNamespaces: true,
    rules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: writes, resources: ['ingresses'] }],
    variables: [
      { name: 'domains', expression: `(${namespaceAnnotation(ingressDomainsAnnotation)}).split(',').filter(d, d != '')` },
      {
        name: 'ruleHosts',
        expression: 'has(object.spec.rules) ? object.spec.rules.filter(r, has(r.host)).map(r, r.host.lowerAscii()) : []',
      },
      {
        name: 'tlsHosts',
        expression:
          'has(object.spec.tls) ? object.spec.tls.filter(t, has(t.hosts) && t.hosts.exists(h, true)).map(t, t.hosts.map(h, h.lowerAscii())) : []',
      },
    ],
    validations: [
      {
        expression: "!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && r.host != '')",
        message: rule(
          'ingress-host-required',
          'every Ingress rule must name a host: a rule without one would take the traffic of every host the ingress controller serves',
        ),
      },
      {
        expression: '!has(object.spec.defaultBackend)',
        message: rule(
          'no-default-backend',
          'spec.defaultBackend is not allowed: it would take every request no other Ingress claims, for every tenant',
        ),
      },
      {
        expression:
          "variables.ruleHosts.all(h, variables.domains.exists(d, h == d || h.endsWith('.' + d))) && variables.tlsHosts.all(hosts, hosts.all(h, variables.domains.exists(d, h == d || h.endsWith('.' + d))))",
        message: rule('ingress-host-in-tenant-domains', "every host (in rules and tls) must be one of the tenant's domains or under one"),
        messageExpression: `'${rule('ingress-host-in-tenant-domains', "every host (in rules and tls) must be one of the tenant\\'s domains or under one")} (' + (size(variables.domains) == 0 ? 'this tenant has none' : variables.domains.join(', ')) + ')'`,
      },
      {
        expression:
          "!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k.contains('snippet') || k.endsWith('/server-alias') || k.endsWith('/auth-url') || k.endsWith('/proxy-pass-params'))",
        message: rule(
          'no-controller-configuration',
          'ingress-controller configuration annotations (*snippet*, server-alias, auth-url) are not allowed: they run in, or add hosts to, the controller every tenant shares',
        ),
      },
    ],
  };
}

function routesPolicy(): PolicyDefinition {
  return {
    name: 'bulkhead-tenant-routes',
    tenantNamespaces: true,
    rules: [
      {
        apiGroups: ['gateway.networking.k8s.io'],
        apiVersions: ['*'],
        operations: writes,
        resources: ['httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes'],
      },
    ],
    variables: [{ name: 'domains', expression: `(${namespaceAnnotation(ingressDomainsAnnotation)}).split(',').filter(d, d != '')` }],
    validations: [
      {
        expression: "!(request.resource.resource in ['tcproutes', 'udproutes'])",
        message: rule(
          'no-port-routes',
          'TCPRoute and UDPRoute are not allowed: they claim a port of the shared gateway, with no host name to tell tenants apart',
        ),
      },
      {
        expression:
          "request.resource.resource in ['tcproutes', 'udproutes'] || (has(object.spec.hostnames) && size(object.spec.hostnames) > 0)",
        message: rule(
          'route-hostnames-required',
          "a route must list its hostnames: one without would take every host of the gateway's listener",
        ),
      },
      {
        expression:
          "!has(object.spec.hostnames) || object.spec.hostnames.all(h, variables.domains.exists(d, h.lowerAscii() == d || h.lowerAscii().endsWith('.' + d)))",
        message: rule('route-hostnames-in-tenant-domains', "every hostname must be one of the tenant's domains or under one"),
      },
    ],
  };
}

function endpointsPolicy(): PolicyDefinition {
  return {
    name: 'bulkhead-tenant-endpoints',
    tenantNamespaces: true,
    rules: [
      { apiGroups: [''], apiVersions: ['v1'], operations: writes, resources: ['endpoints'] },
      { apiGroups: ['discovery.k8s.io'], apiVersions: ['*'], operations: writes, resources: ['endpointslices'] },
    ],
    validations: [
      {
        expression: isControlPlane,
        message: rule(
          'no-manual-endpoints',
          "only the control plane writes Endpoints and EndpointSlices in a tenant namespace: hand-written ones would point a Service (and the ingress controller behind it) at another tenant's pods (CVE-2021-25740)",
        ),
      },
    ],
  };
}

function volumesPolicy(): PolicyDefinition {
  return {
    name: 'bulkhead-tenant-volumes',
    tenantNamespaces: true,
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: writes, resources: ['persistentvolumeclaims'] }],
    validations: [
      {
        expression: `(${isControlPlane}) || (request.operation == 'UPDATE' && has(oldObject.spec.volumeName) && has(object.spec.volumeName) && oldObject.spec.volumeName == object.spec.volumeName) || !has(object.spec.volumeName) || object.spec.volumeName == ''`,
        message: rule(
          'no-volume-binding',
          'a claim may not name a PersistentVolume (spec.volumeName): it could bind a volume provisioned for someone else; volumes are provisioned for the claim',
        ),
      },
      {
        expression: '!has(object.spec.selector)',
        message: rule(
          'no-volume-selector',
          'a claim may not select existing PersistentVolumes (spec.selector): it could bind one provisioned for someone else',
        ),
      },
      {
        expression: '!has(object.spec.dataSourceRef) || !has(object.spec.dataSourceRef.namespace)',
        message: rule(
          'no-cross-namespace-data-source',
          'spec.dataSourceRef.namespace is not allowed: a volume may be populated only from its own namespace',
        ),
      },
    ],
  };
}

/** A list under spec.network of the object or, on updates, of the old object; [] when absent. */
function field(which: 'object' | 'oldObject', name: string): string {
  const guard = which === 'oldObject' ? "request.operation == 'UPDATE' && " : '';
  return `(${guard}has(${which}.spec.network) && has(${which}.spec.network.${name}) ? ${which}.spec.network.${name} : [])`;
}

function tenantsPolicy(settings: AdmissionPolicySettings): PolicyDefinition {
  const excluded = `[${settings.excludedCidrs.map(literal).join(', ')}]`;
  const domain = settings.clusterDomain;
  const base = settings.baseDomain;
  return {
    name: 'bulkhead-tenants',
    tenantNamespaces: false,
    rules: [{ apiGroups: ['bulkhead.dev'], apiVersions: ['*'], operations: writes, resources: ['tenants'] }],
    // Only what a write adds is judged: a Tenant that predates a range (or a configuration change)
    // can still be updated, have its finalizer removed and be deleted; the operator reports it.
    variables: [
      { name: 'cidrs', expression: `${field('object', 'allowEgressCIDRs')}.filter(c, !(c in ${field('oldObject', 'allowEgressCIDRs')}))` },
      { name: 'domains', expression: `${field('object', 'domains')}.filter(d, !(d in ${field('oldObject', 'domains')}))` },
      { name: 'excluded', expression: excluded },
    ],
    validations: [
      {
        expression:
          'variables.cidrs.all(c, !isCIDR(c) || !variables.excluded.exists(e, cidr(e).ip().family() == cidr(c).ip().family() && cidr(e).containsCIDR(c)))',
        message: rule('egress-outside-cluster', "spec.network.allowEgressCIDRs may not lie inside the cluster's or the platform's ranges"),
        messageExpression: `'bulkhead.dev/egress-outside-cluster: spec.network.allowEgressCIDRs may not lie inside the cluster\\'s or the platform\\'s ranges (' + variables.excluded.join(', ') + '); ' + variables.cidrs.filter(c, isCIDR(c) && variables.excluded.exists(e, cidr(e).ip().family() == cidr(c).ip().family() && cidr(e).containsCIDR(c))).join(', ') + ' does'`,
      },
      {
        expression: `variables.domains.all(d, d != ${literal(domain)} && !d.endsWith(${literal(`.${domain}`)})${base ? ` && d != ${literal(base)} && !d.endsWith(${literal(`.${base}`)})` : ''})`,
        message: rule(
          'domains-outside-platform',
          `spec.network.domains may not be the cluster's domain (${domain})${base ? ` or the platform's base domain (${base}), whose <tenant>.${base} each tenant gets` : ''} or lie under it`,
        ),
      },
    ],
  };
}

/** Every policy definition, in a stable order. */
export function admissionPolicyDefinitions(settings: AdmissionPolicySettings): PolicyDefinition[] {
  return [servicesPolicy(settings), ingressesPolicy(), routesPolicy(), endpointsPolicy(), volumesPolicy(), tenantsPolicy(settings)];
}

/** The names of the policies (and of their bindings, which share them). */
export const admissionPolicyNames = [
  'bulkhead-tenant-services',
  'bulkhead-tenant-ingresses',
  'bulkhead-tenant-routes',
  'bulkhead-tenant-endpoints',
  'bulkhead-tenant-volumes',
  'bulkhead-tenants',
] as const;

function buildPolicy(definition: PolicyDefinition): KubeObject {
  return {
    apiVersion: policyApiVersion,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: definition.name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: definition.rules },
      ...(definition.variables ? { variables: definition.variables } : {}),
      validations: definition.validations,
    },
  } as KubeObject;
}

function buildBinding(definition: PolicyDefinition): KubeObject {
  const namespaceSelector = { matchExpressions: [{ key: tenantLabel, operator: 'Exists' }] };
  return {
    apiVersion: policyApiVersion,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: definition.name, labels },
    spec: {
      policyName: definition.name,
      validationActions: ['Deny'],
      ...(definition.tenantNamespaces ? { matchResources: { namespaceSelector } } : {}),
    },
  } as KubeObject;
}

/** The policies and bindings, each binding after its policy. */
export function buildAdmissionPolicies(settings: AdmissionPolicySettings): KubeObject[] {
  return admissionPolicyDefinitions(settings).flatMap((definition) => [buildPolicy(definition), buildBinding(definition)]);
}
