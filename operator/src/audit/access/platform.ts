/**
 * Who is "the platform" (subjects that may hold rights in every tenant namespace), and the
 * baseline every authenticated identity holds. Both are explicit and end up in the evidence, so
 * an auditor sees exactly whom the audit did not count as a finding.
 */
import type { RbacIndex } from './evaluator.js';
import type { NormalizedSubject, PolicyRule } from './rbac-types.js';
import { normalizeSubject, patternMatches, subjectKey, type SubjectPattern } from './subjects.js';

export interface PlatformConfig {
  /** Subjects that run the cluster or the platform. */
  subjects: SubjectPattern[];
  /** Every subject a ClusterRoleBinding binds to one of these ClusterRoles is platform too. */
  clusterAdminRoles: string[];
}

/**
 * The defaults: cluster administrators, the control plane's own identities, the ServiceAccounts
 * in kube-system (the controllers run as those), and Bulkhead's operator and audit
 * ServiceAccounts in the operator's namespace (the operator binds the tenant-owner role, so it
 * holds bind and escalate on it).
 */
export function platformConfigFor(operatorNamespace: string, extra: SubjectPattern[] = []): PlatformConfig {
  return {
    subjects: [
      { kind: 'Group', name: 'system:masters' },
      { kind: 'User', name: 'system:apiserver' },
      { kind: 'User', name: 'system:kube-controller-manager' },
      { kind: 'User', name: 'system:kube-scheduler' },
      { kind: 'ServiceAccount', namespace: 'kube-system' },
      { kind: 'ServiceAccount', namespace: operatorNamespace, name: 'bulkhead-operator' },
      { kind: 'ServiceAccount', namespace: operatorNamespace, name: 'bulkhead-audit' },
      ...extra,
    ],
    clusterAdminRoles: ['cluster-admin'],
  };
}

export const defaultPlatformConfig: PlatformConfig = platformConfigFor('bulkhead-system');

export interface ResolvedPlatform {
  configured: SubjectPattern[];
  clusterAdminRoles: string[];
  /** The subjects found bound to a cluster-admin role, each with the binding that makes it so. */
  boundToClusterAdmin: { subject: string; binding: string; role: string }[];
  isPlatform(subject: NormalizedSubject): boolean;
}

export function resolvePlatform(index: RbacIndex, config: PlatformConfig): ResolvedPlatform {
  const boundToClusterAdmin: ResolvedPlatform['boundToClusterAdmin'] = [];
  for (const binding of index.snapshot.clusterRoleBindings) {
    if (binding.roleRef.kind !== 'ClusterRole' || !config.clusterAdminRoles.includes(binding.roleRef.name)) continue;
    for (const subject of (binding.subjects ?? []).map(normalizeSubject)) {
      if (subject) boundToClusterAdmin.push({ subject: subjectKey(subject), binding: binding.metadata.name, role: binding.roleRef.name });
    }
  }
  const adminKeys = new Set(boundToClusterAdmin.map((entry) => entry.subject));
  return {
    configured: config.subjects,
    clusterAdminRoles: config.clusterAdminRoles,
    boundToClusterAdmin,
    isPlatform: (subject) => adminKeys.has(subjectKey(subject)) || config.subjects.some((pattern) => patternMatches(pattern, subject)),
  };
}

/**
 * What every authenticated identity holds on a fresh cluster (the bootstrap ClusterRoles
 * system:basic-user, system:discovery and system:public-info-viewer, and for ServiceAccounts
 * system:service-account-issuer-discovery). Written out here rather than read from the cluster,
 * so that widening those roles is a finding instead of a wider baseline.
 */
export const authenticatedBaseline: { role: string; rules: PolicyRule[] }[] = [
  {
    role: 'system:basic-user',
    rules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ],
  },
  {
    role: 'system:discovery',
    rules: [
      {
        verbs: ['get'],
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      },
    ],
  },
  {
    role: 'system:public-info-viewer',
    rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }],
  },
  {
    role: 'system:service-account-issuer-discovery',
    rules: [
      {
        verbs: ['get'],
        nonResourceURLs: ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'],
      },
    ],
  },
];
