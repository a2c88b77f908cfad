/** Binding subjects and the groups Kubernetes adds to every identity. */
import assert from 'node:assert/strict';
import type { NormalizedSubject, Principal } from './rbac-types.js';
import { normalizeSubject, patternMatches, principalMatches, type SubjectPattern } from './subjects.js';

const alice: Principal = { kind: 'User', name: 'alice', groups: ['acme-admins'] };
const admins: Principal = { kind: 'Group', name: 'acme-admins' };
const appAccount: Principal = { kind: 'ServiceAccount', namespace: 'tenant-acme', name: 'app' };
const anyAccount: Principal = { kind: 'ServiceAccount', namespace: 'tenant-acme', name: '*' };
const anonymous: Principal = { kind: 'User', name: 'system:anonymous' };

const matchCases: [string, Principal, NormalizedSubject, boolean][] = [
  ['a User subject reaches that user', alice, { kind: 'User', name: 'alice' }, true],
  ['a User subject does not reach another user', alice, { kind: 'User', name: 'bob' }, false],
  ['a Group subject reaches a user in the group', alice, { kind: 'Group', name: 'acme-admins' }, true],
  ['a Group subject reaches members of that group', admins, { kind: 'Group', name: 'acme-admins' }, true],
  ["a User subject does not reach a group's members as such", admins, { kind: 'User', name: 'acme-admins' }, false],
  ['system:authenticated reaches every user', alice, { kind: 'Group', name: 'system:authenticated' }, true],
  ["system:authenticated reaches every group's members", admins, { kind: 'Group', name: 'system:authenticated' }, true],
  ['system:authenticated reaches ServiceAccounts', appAccount, { kind: 'Group', name: 'system:authenticated' }, true],
  ['system:authenticated does not reach the anonymous user', anonymous, { kind: 'Group', name: 'system:authenticated' }, false],
  ['system:unauthenticated reaches the anonymous user', anonymous, { kind: 'Group', name: 'system:unauthenticated' }, true],
  ['system:serviceaccounts reaches every ServiceAccount', appAccount, { kind: 'Group', name: 'system:serviceaccounts' }, true],
  [
    "system:serviceaccounts:<ns> reaches the namespace's ServiceAccounts",
    appAccount,
    { kind: 'Group', name: 'system:serviceaccounts:tenant-acme' },
    true,
  ],
  ['system:serviceaccounts:<other ns> does not', appAccount, { kind: 'Group', name: 'system:serviceaccounts:tenant-other' }, false],
  ['system:serviceaccounts does not reach users', alice, { kind: 'Group', name: 'system:serviceaccounts' }, false],
  ['a ServiceAccount subject reaches that account', appAccount, { kind: 'ServiceAccount', namespace: 'tenant-acme', name: 'app' }, true],
  [
    'a ServiceAccount subject does not reach a namesake elsewhere',
    appAccount,
    { kind: 'ServiceAccount', namespace: 'tenant-other', name: 'app' },
    false,
  ],
  [
    'any ServiceAccount of a namespace is reached by each of its accounts',
    anyAccount,
    { kind: 'ServiceAccount', namespace: 'tenant-acme', name: 'builder' },
    true,
  ],
];

describe('binding subjects', () => {
  it('reads a User named system:serviceaccount:<ns>:<name> as that ServiceAccount', () => {
    assert.deepEqual(normalizeSubject({ kind: 'User', name: 'system:serviceaccount:tenant-acme:app' }), {
      kind: 'ServiceAccount',
      namespace: 'tenant-acme',
      name: 'app',
    });
  });

  it('ignores kinds RBAC does not know', () => assert.equal(normalizeSubject({ kind: 'Robot', name: 'r2' }), undefined));

  for (const [name, principal, subject, expected] of matchCases)
    it(name, () => assert.equal(principalMatches(principal, subject), expected));

  const patterns: [string, SubjectPattern, NormalizedSubject, boolean][] = [
    [
      'a ServiceAccount pattern without a name matches the whole namespace',
      { kind: 'ServiceAccount', namespace: 'kube-system' },
      { kind: 'ServiceAccount', namespace: 'kube-system', name: 'replicaset-controller' },
      true,
    ],
    [
      'and no other namespace',
      { kind: 'ServiceAccount', namespace: 'kube-system' },
      { kind: 'ServiceAccount', namespace: 'tenant-a', name: 'x' },
      false,
    ],
    [
      'a Group pattern does not match a User of that name',
      { kind: 'Group', name: 'system:masters' },
      { kind: 'User', name: 'system:masters' },
      false,
    ],
  ];
  for (const [name, pattern, subject, expected] of patterns) it(name, () => assert.equal(patternMatches(pattern, subject), expected));
});
