/**
 * The server-side dry-run writes the audit sends as a tenant owner, modelled on the Kubernetes
 * Multi-Tenancy Benchmarks (MTB): each must be refused, and refused for the reason named in the
 * server's message (Pod Security, the quota, RBAC), not merely with some 403. One compliant pod
 * must be accepted, or the refusals prove nothing (the probe identity might not reach the
 * namespace at all).
 */
import type { KubeObject } from '../../runtime/types.js';

export interface ProbeTarget {
  /** The tenant's own namespace. */
  namespace: string;
  /** Another tenant's namespace, when there is another tenant. */
  otherNamespace?: string;
  /** The tenant is suspended: its owners hold the read-only role (suspended-owner.ts). */
  suspended?: boolean;
}

export interface ProbeWrite {
  method: 'POST' | 'PATCH';
  object: KubeObject;
  patch?: unknown;
}

export interface AdmissionProbe {
  id: string;
  /** What is attempted, for the check's title: "create a privileged pod". */
  attempt: string;
  /** The MTB check it stands for. */
  benchmark: string;
  /** 'accepted', or patterns the refusal message must all match. */
  expect: 'accepted' | RegExp[];
  /** The reason of the finding when a refused write is accepted. */
  finding: string;
  build(target: ProbeTarget): ProbeWrite | undefined;
}

export const probeNamePrefix = 'bulkhead-audit-probe';
const podSecurity = /violates PodSecurity "restricted:[^"]+"/;
const rbacRefusal = (verb: string, resource: string) => new RegExp(`cannot ${verb} resource "${resource}"`);

type Container = Record<string, unknown>;
type PodSpec = Record<string, unknown>;

const compliantContainer: Container = {
  name: 'probe',
  image: 'registry.k8s.io/pause:3.10',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};
const compliantPodSecurity = { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } };

/** A pod that meets Pod Security "restricted", changed by `spec` and `container`. */
export function probePod(id: string, namespace: string, spec: PodSpec = {}, container: Container = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${probeNamePrefix}-${id}`, namespace },
    spec: { securityContext: compliantPodSecurity, containers: [{ ...compliantContainer, ...container }], ...spec },
  } as KubeObject;
}

interface ProbeNames {
  id: string;
  attempt: string;
  finding: string;
}

function podProbe(
  [id, attempt, finding, reason]: [string, string, string, RegExp],
  change: { spec?: PodSpec; container?: Container },
): AdmissionProbe {
  return {
    id,
    attempt,
    benchmark: 'MTB Block privileged and host access (Pod Security restricted)',
    expect: [podSecurity, reason],
    finding,
    build: ({ namespace }) => ({ method: 'POST', object: probePod(id, namespace, change.spec, change.container) }),
  };
}

const hardenedContext = (extra: Record<string, unknown>) => ({
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra },
});

const podProbes: AdmissionProbe[] = [
  podProbe(['privileged', 'create a privileged pod', 'PrivilegedPodAllowed', /securityContext\.privileged=true/], {
    container: { securityContext: { privileged: true, allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } } },
  }),
  podProbe(['host-path', 'create a pod with a hostPath volume', 'HostPathAllowed', /restricted volume type "hostPath"|hostPath volumes/], {
    spec: { volumes: [{ name: 'host', hostPath: { path: '/' } }] },
  }),
  podProbe(['host-network', 'create a pod in the host network', 'HostNetworkAllowed', /hostNetwork=true/], { spec: { hostNetwork: true } }),
  podProbe(['host-port', 'create a pod with a hostPort', 'HostPortAllowed', /hostPort \(container "probe" uses hostPort 8080\)/], {
    container: { ports: [{ containerPort: 8080, hostPort: 8080 }] },
  }),
  podProbe(['host-pid', 'create a pod in the host PID namespace', 'HostPIDAllowed', /hostPID=true/], { spec: { hostPID: true } }),
  podProbe(['host-ipc', 'create a pod in the host IPC namespace', 'HostIPCAllowed', /hostIPC=true/], { spec: { hostIPC: true } }),
  podProbe(
    [
      'added-capabilities',
      'create a pod adding NET_ADMIN',
      'CapabilitiesAllowed',
      /must not include "NET_ADMIN" in securityContext\.capabilities\.add/,
    ],
    { container: hardenedContext({ capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } }) },
  ),
  podProbe(['run-as-root', 'create a pod running as root', 'RunAsRootAllowed', /runAsNonRoot != true|runAsUser=0/], {
    spec: { securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } },
  }),
  podProbe(
    [
      'privilege-escalation',
      'create a pod allowing privilege escalation',
      'PrivilegeEscalationAllowed',
      /allowPrivilegeEscalation != false/,
    ],
    { container: { securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } } } },
  ),
];

function rbacProbe(names: ProbeNames & { expect: RegExp[] }, build: AdmissionProbe['build']): AdmissionProbe {
  return { ...names, benchmark: "MTB Block access to cluster and other tenants' resources", build };
}

const meta = (id: string, namespace?: string) => ({ name: `${probeNamePrefix}-${id}`, ...(namespace ? { namespace } : {}) });
const rbacGroup = 'rbac.authorization.k8s.io';
// Without create on roles, RBAC refuses before the escalation check; either refusal names the reason.
const escalationRefusal = /attempting to grant RBAC permissions not currently held|cannot create resource "(roles|rolebindings)"/;

const clusterAdminForEveryone = {
  roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ apiGroup: rbacGroup, kind: 'Group', name: 'system:authenticated' }],
};

/** Refused by admission (or the quota), not RBAC: it needs an owner who may create Services. */
const nodePortProbe: AdmissionProbe = {
  id: 'node-port',
  attempt: 'create a NodePort Service',
  benchmark: 'MTB Block use of NodePort services',
  finding: 'NodePortAllowed',
  // The tenant namespaces' admission policy refuses it first (decision 0008); without the policy, the quota does.
  expect: [/bulkhead\.dev\/cluster-ip-only:|exceeded quota: .*requested: [^ ]*services\.nodeports=1/],
  build: ({ namespace }) => ({
    method: 'POST',
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('node-port', namespace),
      spec: { type: 'NodePort', selector: { app: 'probe' }, ports: [{ port: 80 }] },
    } as KubeObject,
  }),
};

/** Refused by RBAC: the owner role grants none of these. */
const rbacGuardrailProbes: AdmissionProbe[] = [
  rbacProbe(
    { id: 'role-escalation', attempt: 'create a Role granting everything', finding: 'RoleEscalationAllowed', expect: [escalationRefusal] },
    ({ namespace }) => ({
      method: 'POST',
      object: {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'Role',
        metadata: meta('role-escalation', namespace),
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      } as KubeObject,
    }),
  ),
  rbacProbe(
    {
      id: 'bind-cluster-admin',
      attempt: 'bind cluster-admin in the own namespace',
      finding: 'ClusterAdminBindingAllowed',
      expect: [escalationRefusal],
    },
    ({ namespace }) => ({
      method: 'POST',
      object: {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'RoleBinding',
        metadata: meta('bind-cluster-admin', namespace),
        ...clusterAdminForEveryone,
      },
    }),
  ),
  rbacProbe(
    {
      id: 'network-policy',
      attempt: 'create a NetworkPolicy',
      finding: 'NetworkPolicyChangeAllowed',
      expect: [rbacRefusal('create', 'networkpolicies')],
    },
    ({ namespace }) => ({
      method: 'POST',
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('network-policy', namespace),
        spec: { podSelector: {}, ingress: [{}], egress: [{}], policyTypes: ['Ingress', 'Egress'] },
      } as KubeObject,
    }),
  ),
  rbacProbe(
    {
      id: 'resource-quota',
      attempt: 'create a ResourceQuota',
      finding: 'QuotaChangeAllowed',
      expect: [rbacRefusal('create', 'resourcequotas')],
    },
    ({ namespace }) => ({
      method: 'POST',
      object: {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: meta('resource-quota', namespace),
        spec: { hard: { pods: '1000' } },
      } as KubeObject,
    }),
  ),
  rbacProbe(
    {
      id: 'limit-range',
      attempt: 'create a LimitRange',
      finding: 'LimitRangeChangeAllowed',
      expect: [rbacRefusal('create', 'limitranges')],
    },
    ({ namespace }) => ({
      method: 'POST',
      object: {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: meta('limit-range', namespace),
        spec: { limits: [{ type: 'Container', max: { memory: '1Ti' } }] },
      } as KubeObject,
    }),
  ),
  rbacProbe(
    {
      id: 'namespace-labels',
      attempt: 'relabel the own namespace to Pod Security privileged',
      finding: 'NamespaceLabelChangeAllowed',
      expect: [rbacRefusal('patch', 'namespaces')],
    },
    ({ namespace }) => ({
      method: 'PATCH',
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      patch: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    }),
  ),
];

const clusterScope = (resource: string, group: string) =>
  new RegExp(`cannot create resource "${resource}" in API group "${group}" at the cluster scope`);
const inNamespace = (resource: string) => new RegExp(`cannot create resource "${resource}" in API group "" in the namespace "`);

const clusterProbes: AdmissionProbe[] = [
  rbacProbe(
    { id: 'namespace', attempt: 'create a Namespace', finding: 'ClusterResourceCreationAllowed', expect: [clusterScope('namespaces', '')] },
    () => ({ method: 'POST', object: { apiVersion: 'v1', kind: 'Namespace', metadata: meta('namespace') } }),
  ),
  rbacProbe(
    {
      id: 'cluster-role',
      attempt: 'create a ClusterRole',
      finding: 'ClusterResourceCreationAllowed',
      expect: [clusterScope('clusterroles', rbacGroup)],
    },
    () => ({ method: 'POST', object: { apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRole', metadata: meta('cluster-role') } }),
  ),
  rbacProbe(
    {
      id: 'cluster-role-binding',
      attempt: 'create a ClusterRoleBinding to cluster-admin',
      finding: 'ClusterResourceCreationAllowed',
      expect: [clusterScope('clusterrolebindings', rbacGroup)],
    },
    () => ({
      method: 'POST',
      object: {
        apiVersion: `${rbacGroup}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: meta('cluster-role-binding'),
        ...clusterAdminForEveryone,
      },
    }),
  ),
  rbacProbe(
    {
      id: 'other-tenant-pod',
      attempt: "create a pod in another tenant's namespace",
      finding: 'OtherTenantAccessAllowed',
      expect: [inNamespace('pods')],
    },
    ({ otherNamespace }) =>
      otherNamespace === undefined ? undefined : { method: 'POST', object: probePod('other-tenant-pod', otherNamespace) },
  ),
  rbacProbe(
    {
      id: 'other-tenant-secret',
      attempt: "create a Secret in another tenant's namespace",
      finding: 'OtherTenantAccessAllowed',
      expect: [inNamespace('secrets')],
    },
    ({ otherNamespace }) =>
      otherNamespace === undefined
        ? undefined
        : { method: 'POST', object: { apiVersion: 'v1', kind: 'Secret', metadata: meta('other-tenant-secret', otherNamespace) } },
  ),
];

export const compliantPodProbe: AdmissionProbe = {
  id: 'compliant-pod',
  attempt: 'create a compliant pod (must be accepted)',
  benchmark: 'control: the probe identity can create pods',
  expect: 'accepted',
  finding: 'CompliantPodRefused',
  build: ({ namespace }) => ({ method: 'POST', object: probePod('compliant-pod', namespace) }),
};

/** Every probe, the compliant pod first. */
export const admissionProbes: AdmissionProbe[] = [compliantPodProbe, ...podProbes, nodePortProbe, ...rbacGuardrailProbes, ...clusterProbes];

/** The probes RBAC refuses, whatever the owner may create: what still means something for an owner who may create nothing. */
export const probesRefusedByRbac: AdmissionProbe[] = [...rbacGuardrailProbes, ...clusterProbes];
