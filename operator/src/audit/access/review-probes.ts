/**
 * The SubjectAccessReviews the audit asks for each tenant owner: the rights the owner role must
 * give (controls: if they are denied, the review is not asking about the right identity) and the
 * rights it must not (another tenant's Secrets and pods, the tenant's guardrails, cluster
 * resources, escalate, bind and impersonate). A suspended tenant's owners must be denied every
 * write in their namespace too.
 */
import type { ReviewAttributes } from '../../kube/access-review.js';
import type { ProbeTarget } from './admission-probes.js';

export interface ReviewProbe {
  id: string;
  /** The question, for the check's title: "get secrets in tenant-b". */
  question: string;
  expectAllowed: boolean;
  /** The reason of the finding when the answer is not the expected one (for controls: why the check is inconclusive). */
  finding: string;
  attributes: ReviewAttributes;
}

type Ask = [id: string, verb: string, group: string, resource: string, finding: string, name?: string];

function probe([id, verb, group, resource, finding, name]: Ask, namespace: string | undefined, expectAllowed: boolean): ReviewProbe {
  const where = namespace === undefined ? 'at cluster scope' : `in ${namespace}`;
  return {
    id,
    expectAllowed,
    finding,
    question: `${verb} ${resource}${name ? ` ${name}` : ''} ${where}`,
    attributes: { verb, group, resource, ...(namespace === undefined ? {} : { namespace }), ...(name ? { name } : {}) },
  };
}

const controls: Ask[] = [
  ['own-secrets', 'get', '', 'secrets', 'ReviewInconclusive'],
  ['own-pods', 'create', '', 'pods', 'ReviewInconclusive'],
];

/** A suspended tenant's owners keep reading, and may write nothing (decision 0035). */
const readOnlyControls: Ask[] = [['own-secrets', 'get', '', 'secrets', 'ReviewInconclusive']];
const suspendedControls: Ask[] = [
  ['suspended-own-pods', 'create', '', 'pods', 'SuspendedOwnerCanWrite'],
  ['suspended-own-deployments', 'patch', 'apps', 'deployments', 'SuspendedOwnerCanWrite'],
  ['suspended-own-exec', 'create', '', 'pods/exec', 'SuspendedOwnerCanWrite'],
];

const otherTenant: Ask[] = [
  ['other-tenant-secrets-get', 'get', '', 'secrets', 'OwnerCanReadOtherTenantSecrets'],
  ['other-tenant-secrets-list', 'list', '', 'secrets', 'OwnerCanReadOtherTenantSecrets'],
  ['other-tenant-pods-create', 'create', '', 'pods', 'OwnerCanChangeOtherTenantWorkloads'],
];

const guardrails = (namespace: string): Ask[] => [
  ['network-policies-patch', 'patch', 'networking.k8s.io', 'networkpolicies', 'OwnerCanChangeNetworkPolicies'],
  ['network-policies-delete', 'delete', 'networking.k8s.io', 'networkpolicies', 'OwnerCanChangeNetworkPolicies'],
  ['resource-quotas-patch', 'patch', '', 'resourcequotas', 'OwnerCanChangeQuota'],
  ['limit-ranges-patch', 'patch', '', 'limitranges', 'OwnerCanChangeQuota'],
  ['namespace-patch', 'patch', '', 'namespaces', 'OwnerCanChangeNamespace', namespace],
  ['roles-escalate', 'escalate', 'rbac.authorization.k8s.io', 'roles', 'EscalationPossible'],
  ['cluster-roles-bind', 'bind', 'rbac.authorization.k8s.io', 'clusterroles', 'EscalationPossible'],
  ['role-bindings-create', 'create', 'rbac.authorization.k8s.io', 'rolebindings', 'EscalationPossible'],
];

const cluster: Ask[] = [
  ['namespaces-create', 'create', '', 'namespaces', 'OwnerHasClusterRights'],
  ['cluster-roles-create', 'create', 'rbac.authorization.k8s.io', 'clusterroles', 'OwnerHasClusterRights'],
  ['cluster-role-bindings-create', 'create', 'rbac.authorization.k8s.io', 'clusterrolebindings', 'OwnerHasClusterRights'],
  ['users-impersonate', 'impersonate', '', 'users', 'EscalationPossible'],
  ['groups-impersonate', 'impersonate', '', 'groups', 'EscalationPossible'],
];

/** The reviews for one owner of the tenant whose namespace is `target.namespace`. */
export function reviewProbes(target: ProbeTarget): ReviewProbe[] {
  const { namespace, otherNamespace } = target;
  return [
    ...(target.suspended ? suspendedControls.map((ask) => probe(ask, namespace, false)) : []),
    ...(target.suspended ? readOnlyControls : controls).map((ask) => probe(ask, namespace, true)),
    ...(otherNamespace === undefined ? [] : otherTenant.map((ask) => probe(ask, otherNamespace, false))),
    ...guardrails(namespace).map((ask) => probe(ask, namespace, false)),
    ...cluster.map((ask) => probe(ask, undefined, false)),
  ];
}
