/** What a tenant's rendered chart may contain before Bulkhead applies it. */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../runtime/types.js';
import { RenderRefused, type RenderProblem } from './errors.js';
import { findRenderProblems, validateRenderedObjects, type KindScope } from './validation.js';

const namespace = 'tenant-acme';

function object(apiVersion: string, kind: string, name: string, fields: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name }, ...fields };
}

const configMap = object('v1', 'ConfigMap', 'app-config', { data: { LOG_LEVEL: 'info' } });
const deployment = object('apps/v1', 'Deployment', 'app');

function problemsOf(objects: KubeObject[], options: Partial<Parameters<typeof findRenderProblems>[1]> = {}): RenderProblem[] {
  return findRenderProblems(objects, { namespace, ...options }).problems;
}

describe('validation of rendered objects', () => {
  it('puts objects without a namespace into the tenant namespace', () => {
    const [placed] = validateRenderedObjects([configMap], { namespace });
    assert.equal(placed?.metadata.namespace, namespace);
    assert.equal(configMap.metadata.namespace, undefined, 'the input is not changed');
  });

  it('accepts objects already in the tenant namespace', () => {
    const inNamespace = { ...deployment, metadata: { name: 'app', namespace } };
    assert.deepEqual(validateRenderedObjects([inNamespace], { namespace }), [inNamespace]);
  });

  it('refuses an object in another namespace', () => {
    const leak = object('v1', 'ConfigMap', 'leak', {});
    leak.metadata.namespace = 'kube-system';
    assert.deepEqual(problemsOf([leak]), [
      {
        object: 'ConfigMap leak',
        rule: 'foreignNamespace',
        message: "is in namespace kube-system, but a tenant's release may only create objects in namespace tenant-acme",
      },
    ]);
  });

  for (const kind of [
    'Namespace',
    'ClusterRole',
    'ClusterRoleBinding',
    'CustomResourceDefinition',
    'PersistentVolume',
    'StorageClass',
    'PriorityClass',
    'ValidatingWebhookConfiguration',
    'MutatingWebhookConfiguration',
    'APIService',
    'Node',
  ]) {
    it(`refuses the cluster-scoped kind ${kind}`, () => {
      const [found] = problemsOf([object('any.example/v1', kind, 'x')]);
      assert.equal(found?.rule, 'clusterScoped');
      assert.equal(found?.object, `${kind} x`);
    });
  }

  it('refuses a kind that discovery says is cluster-scoped, though the list does not know it', () => {
    const isNamespaced: KindScope = ({ kind }) => kind !== 'ClusterIssuer';
    const [found] = problemsOf([object('cert-manager.io/v1', 'ClusterIssuer', 'letsencrypt')], { isNamespaced });
    assert.equal(found?.rule, 'clusterScoped');
  });

  it('refuses a kind that discovery does not know', () => {
    const isNamespaced: KindScope = () => undefined;
    const [found] = problemsOf([object('example.com/v1', 'Widget', 'w')], { isNamespaced });
    assert.equal(found?.rule, 'unknownKind');
    assert.match(found?.message ?? '', /does not serve Widget in example\.com\/v1/);
  });

  it('refuses a listed kind even when discovery calls it namespaced', () => {
    const [found] = problemsOf([object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'x')], { isNamespaced: () => true });
    assert.equal(found?.rule, 'clusterScoped');
  });

  it('uses a replacement list of cluster-scoped kinds when given one', () => {
    assert.deepEqual(
      problemsOf([configMap], { clusterScopedKinds: new Set(['ConfigMap']) }).map((p) => p.rule),
      ['clusterScoped'],
    );
  });

  it('refuses a RoleBinding to a ClusterRole', () => {
    const binding = object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'app-admin', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'app' }],
    });
    assert.deepEqual(problemsOf([binding]), [
      {
        object: 'RoleBinding app-admin',
        rule: 'clusterRoleReference',
        message: "binds ClusterRole admin, but a tenant's release may bind only Roles of its own namespace",
      },
    ]);
  });

  it('accepts a RoleBinding of a Role to a service account of the namespace', () => {
    const binding = object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'app', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app' },
      subjects: [
        { kind: 'ServiceAccount', name: 'app' },
        { kind: 'ServiceAccount', name: 'worker', namespace },
      ],
    });
    assert.deepEqual(problemsOf([binding]), []);
  });

  it("refuses a RoleBinding to a group, a user or another namespace's service account", () => {
    const binding = object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'open', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app' },
      subjects: [
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory' },
        { kind: 'ServiceAccount', name: 'default', namespace: 'tenant-globex' },
      ],
    });
    const problems = problemsOf([binding]);
    assert.deepEqual(
      problems.map((p) => p.rule),
      ['foreignSubject', 'foreignSubject', 'foreignSubject'],
    );
    assert.match(problems[0]?.message ?? '', /binds Group system:authenticated/);
    assert.match(problems[2]?.message ?? '', /binds ServiceAccount default of namespace tenant-globex/);
  });

  for (const type of ['NodePort', 'LoadBalancer']) {
    it(`refuses a Service of type ${type}`, () => {
      const [found] = problemsOf([object('v1', 'Service', 'app', { spec: { type, ports: [{ port: 80 }] } })]);
      assert.equal(found?.rule, 'exposedService');
      assert.match(found?.message ?? '', new RegExp(`is of type ${type}`));
    });
  }

  it('accepts a ClusterIP Service', () => {
    assert.deepEqual(problemsOf([object('v1', 'Service', 'app', { spec: { type: 'ClusterIP' } })]), []);
  });

  it("refuses a NetworkPolicy: the tenant's policies are Bulkhead's alone", () => {
    const [found] = problemsOf([
      object('networking.k8s.io/v1', 'NetworkPolicy', 'allow-all', { spec: { podSelector: {}, ingress: [{}] } }),
    ]);
    assert.equal(found?.rule, 'networkPolicy');
    assert.match(found?.message ?? '', /default-deny/);
  });

  it('refuses a Service with externalIPs', () => {
    const [found] = problemsOf([object('v1', 'Service', 'app', { spec: { externalIPs: ['10.0.0.1'] } })]);
    assert.equal(found?.rule, 'externalIPs');
  });

  it('refuses an object without a kind or a name, naming it by its position', () => {
    const nameless = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } } as unknown as KubeObject;
    const kindless = { apiVersion: 'v1', metadata: { name: 'x' } } as KubeObject;
    assert.deepEqual(
      problemsOf([configMap, nameless, kindless]).map((p) => [p.object, p.rule]),
      [
        ['document 2', 'malformed'],
        ['document 3', 'malformed'],
      ],
    );
  });

  it('refuses a List, whose items it cannot check one by one', () => {
    const [found] = problemsOf([object('v1', 'List', 'items', { items: [] })]);
    assert.equal(found?.rule, 'malformed');
  });

  it('refuses an object rendered twice', () => {
    const [found] = problemsOf([configMap, { ...configMap, metadata: { name: 'app-config', namespace } }]);
    assert.deepEqual(found, { object: 'ConfigMap app-config', rule: 'duplicate', message: 'is rendered more than once' });
  });

  it('reports every problem of every object in one RenderRefused', () => {
    const leak = object('v1', 'ConfigMap', 'leak');
    leak.metadata.namespace = 'default';
    const objects = [
      configMap,
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
      leak,
      object('v1', 'Service', 'public', { spec: { type: 'LoadBalancer', externalIPs: ['192.0.2.1'] } }),
    ];
    assert.throws(
      () => validateRenderedObjects(objects, { namespace }),
      (error: unknown) => {
        assert.ok(error instanceof RenderRefused);
        assert.equal(error.reason, 'RenderRefused');
        assert.deepEqual(
          error.problems.map((p) => `${p.object}: ${p.rule}`),
          [
            'ClusterRole reader: clusterScoped',
            'ConfigMap leak: foreignNamespace',
            'Service public: exposedService',
            'Service public: externalIPs',
          ],
        );
        assert.match(
          error.message,
          /^the chart renders 4 object\(s\) Bulkhead refuses to apply: ClusterRole reader: is cluster-scoped, but .*; ConfigMap leak: is in namespace default, but /,
        );
        return true;
      },
    );
  });

  it('lists at most twenty problems in its message, and all of them in its problems', () => {
    const objects = Array.from({ length: 25 }, (_, index) => object('v1', 'Namespace', `n${index}`));
    assert.throws(
      () => validateRenderedObjects(objects, { namespace }),
      (error: unknown) => {
        assert.ok(error instanceof RenderRefused);
        assert.equal(error.problems.length, 25);
        assert.match(error.message, /Namespace n19: is cluster-scoped, [^;]*; and 5 more$/);
        return true;
      },
    );
  });
});
