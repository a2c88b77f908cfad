/**
 * The questions the Access audit asks of the evaluator, as lists of request attributes: who can
 * read Secrets in a namespace, who can change its workloads, who can escalate, bind or
 * impersonate there. A subject answers a question when it can make any one of its requests.
 */
import type { RbacIndex } from './evaluator.js';
import type { Grant, RequestAttributes } from './rbac-types.js';

type ResourceRequest = Extract<RequestAttributes, { resource: string }>;

const readVerbs = ['get', 'list', 'watch'];
const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** Workload kinds, and the subresources through which a workload's code or shape can be changed. */
const workloadResources: { apiGroup: string; resource: string; subresource?: string; verbs: string[] }[] = [
  ...['pods', 'replicationcontrollers'].map((resource) => ({ apiGroup: '', resource, verbs: writeVerbs })),
  ...['deployments', 'statefulsets', 'daemonsets', 'replicasets'].map((resource) => ({ apiGroup: 'apps', resource, verbs: writeVerbs })),
  ...['jobs', 'cronjobs'].map((resource) => ({ apiGroup: 'batch', resource, verbs: writeVerbs })),
  // Running a command in a container, attaching to it or adding a debug container changes what it does.
  { apiGroup: '', resource: 'pods', subresource: 'exec', verbs: ['create'] },
  { apiGroup: '', resource: 'pods', subresource: 'attach', verbs: ['create'] },
  { apiGroup: '', resource: 'pods', subresource: 'ephemeralcontainers', verbs: ['update', 'patch'] },
  ...['deployments', 'statefulsets', 'replicasets'].map((resource) => ({
    apiGroup: 'apps',
    resource,
    subresource: 'scale',
    verbs: ['update', 'patch'],
  })),
];

export function secretReadRequests(namespace: string): ResourceRequest[] {
  return readVerbs.map((verb) => ({ verb, apiGroup: '', resource: 'secrets', namespace }));
}

export function workloadChangeRequests(namespace: string): ResourceRequest[] {
  return workloadResources.flatMap(({ verbs, ...resource }) => verbs.map((verb) => ({ verb, ...resource, namespace })));
}

/**
 * escalate and bind on roles let a subject write roles and bindings beyond its own rights;
 * impersonate lets it act as anyone it may impersonate. Users, groups, uids and extras are
 * cluster-scoped, so only ClusterRoleBindings grant impersonating them; ServiceAccounts are
 * impersonated in their own namespace. Creating a ServiceAccount token is impersonation too: the
 * token acts as the account.
 */
export function escalationRequests(namespace: string): ResourceRequest[] {
  const rbac = ['roles', 'clusterroles'].flatMap((resource) =>
    ['escalate', 'bind'].map((verb) => ({ verb, apiGroup: 'rbac.authorization.k8s.io', resource, namespace })),
  );
  const identities = ['users', 'groups', 'uids'].map((resource) => ({ verb: 'impersonate', apiGroup: '', resource }));
  return [
    ...rbac,
    ...identities,
    { verb: 'impersonate', apiGroup: 'authentication.k8s.io', resource: 'userextras' },
    { verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts', namespace },
    { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', namespace },
  ];
}

export interface AnsweredGrant extends Grant {
  /** The requests (verb resource[/subresource]) the grant allows, e.g. `get secrets`. */
  allows: string[];
}

function describe(request: ResourceRequest): string {
  return `${request.verb} ${request.resource}${request.subresource ? `/${request.subresource}` : ''}`;
}

/** Grants that allow any of the requests, one entry per subject, binding and rule. */
export function whoCanAny(index: Pick<RbacIndex, 'whoCan'>, requests: ResourceRequest[]): AnsweredGrant[] {
  const byKey = new Map<string, AnsweredGrant>();
  for (const request of requests) {
    for (const grant of index.whoCan(request)) {
      const key = JSON.stringify([grant.subject, grant.binding, grant.rule, grant.aggregatedFrom ?? []]);
      const entry = byKey.get(key) ?? { ...grant, allows: [] };
      if (!entry.allows.includes(describe(request))) entry.allows.push(describe(request));
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()];
}
