/** One PolicyRule against one request, as kube-apiserver's RBAC authorizer matches them; and rule coverage. */
import assert from 'node:assert/strict';
import type { PolicyRule, RequestAttributes } from './rbac-types.js';
import { ruleAllows, ruleCovers } from './rules.js';

const secretsGet: RequestAttributes = { verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'tenant-a' };
const podsLog: RequestAttributes = { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: 'tenant-a' };
const deploymentScale: RequestAttributes = {
  verb: 'patch',
  apiGroup: 'apps',
  resource: 'deployments',
  subresource: 'scale',
  namespace: 'tenant-a',
};

const allowCases: [string, PolicyRule, RequestAttributes, boolean][] = [
  ['allows an exact verb, group and resource', { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }, secretsGet, true],
  ['refuses another verb', { verbs: ['list'], apiGroups: [''], resources: ['secrets'] }, secretsGet, false],
  ['allows any verb with verbs *', { verbs: ['*'], apiGroups: [''], resources: ['secrets'] }, secretsGet, true],
  ['allows any group with apiGroups *', { verbs: ['get'], apiGroups: ['*'], resources: ['secrets'] }, secretsGet, true],
  ['refuses another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['secrets'] }, secretsGet, false],
  ['refuses a rule with no apiGroups', { verbs: ['get'], resources: ['secrets'] }, secretsGet, false],
  ['allows any resource with resources *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, secretsGet, true],
  ['allows subresources with resources *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, podsLog, true],
  ['does not give a subresource with its resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, podsLog, false],
  ['allows a subresource named in full', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, podsLog, true],
  ["allows */scale for any resource's scale", { verbs: ['patch'], apiGroups: ['apps'], resources: ['*/scale'] }, deploymentScale, true],
  ['does not treat pods/* as a wildcard (RBAC does not)', { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }, podsLog, false],
  ['does not give */scale for the resource itself', { verbs: ['get'], apiGroups: [''], resources: ['*/scale'] }, secretsGet, false],
  [
    'allows some object with resourceNames (limited grant)',
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
    secretsGet,
    true,
  ],
  [
    'allows the named object',
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
    { ...secretsGet, name: 'db' },
    true,
  ],
  [
    'refuses an object not named',
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
    { ...secretsGet, name: 'tls' },
    false,
  ],
  [
    'never allows create through resourceNames',
    { verbs: ['create'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
    { ...secretsGet, verb: 'create' },
    false,
  ],
  [
    'never allows deletecollection through resourceNames',
    { verbs: ['*'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
    { ...secretsGet, verb: 'deletecollection' },
    false,
  ],
  [
    'allows an exact non-resource URL',
    { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    { verb: 'get', nonResourceURL: '/healthz' },
    true,
  ],
  [
    'allows a non-resource URL by prefix',
    { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
    { verb: 'get', nonResourceURL: '/apis/apps/v1' },
    true,
  ],
  ['allows every non-resource URL with *', { verbs: ['get'], nonResourceURLs: ['*'] }, { verb: 'get', nonResourceURL: '/metrics' }, true],
  [
    'refuses another non-resource URL',
    { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    { verb: 'get', nonResourceURL: '/metrics' },
    false,
  ],
  ['does not give resources through nonResourceURLs *', { verbs: ['*'], nonResourceURLs: ['*'] }, secretsGet, false],
  [
    'allows the escalate verb only when listed',
    { verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] },
    { verb: 'escalate', apiGroup: 'rbac.authorization.k8s.io', resource: 'roles', namespace: 'tenant-a' },
    false,
  ],
];

const coverCases: [string, PolicyRule, PolicyRule, boolean][] = [
  [
    'covers a narrower verb list',
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    true,
  ],
  [
    'does not cover a wider verb list',
    { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] },
    false,
  ],
  [
    'does not cover a wildcard with a list',
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['*'], apiGroups: [''], resources: ['pods'] },
    false,
  ],
  [
    'covers anything with wildcards',
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments'] },
    true,
  ],
  [
    'covers a rule limited to names',
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] },
    true,
  ],
  [
    'does not cover an unlimited rule with a limited one',
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
    false,
  ],
  [
    'covers a URL under a prefix pattern',
    { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
    { verbs: ['get'], nonResourceURLs: ['/apis/apps'] },
    true,
  ],
  [
    'does not cover /metrics with discovery URLs',
    { verbs: ['get'], nonResourceURLs: ['/api', '/apis/*'] },
    { verbs: ['get'], nonResourceURLs: ['/metrics'] },
    false,
  ],
];

describe('RBAC rule matching', () => {
  for (const [name, rule, request, expected] of allowCases) it(name, () => assert.equal(ruleAllows(rule, request), expected));
});

describe('RBAC rule coverage', () => {
  for (const [name, base, rule, expected] of coverCases) it(name, () => assert.equal(ruleCovers(base, rule), expected));
});
