/**
 * A hostile tenant owner against the infrastructure every tenant shares, as that owner (a real
 * client certificate in the owners' group): each object kind they may create is a lever on
 * kube-proxy, DNS, the ingress controller, the gateway or storage. Each attempt must be refused by
 * Bulkhead's admission policies with the rule named, while the legitimate use of the same kind
 * still works. Platform-side rules (declared egress, domains, a namespace Bulkhead did not make,
 * guardrails before owners) are checked on the Tenants and their namespaces.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { clusterRanges, installGatewayApi, issueUserKubeconfig, testEnvironment } from '@bulkhead/testenv';
import { apiError, applyObjects, eventually, kubeConfig } from './support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  readTenant,
  tenantManifest,
  version,
  waitForReady,
} from './support/tenants.js';

const baseDomain = 'tenants.test';
const [a, b] = ['esc-a', 'esc-b'];
const nsA = `tenant-${a}`;
const nsB = `tenant-${b}`;
const openPlan = 'esc-open';

/** Asserts that the write is refused by an admission policy with this rule, and returns the message. */
async function refusedBy(rule: string, write: Promise<unknown>): Promise<string> {
  let message = '';
  await assert.rejects(write, (error) => {
    const failure = apiError(error);
    message = failure.message;
    assert.equal(failure.code, 422, failure.message);
    assert.match(
      failure.message,
      new RegExp(`ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request: bulkhead\\.dev/${rule}:`),
    );
    return true;
  });
  return message;
}

function service(name: string, spec: k8s.V1ServiceSpec): k8s.V1Service {
  return { metadata: { name }, spec };
}

function ingress(name: string, spec: k8s.V1IngressSpec, annotations?: Record<string, string>): k8s.V1Ingress {
  return { metadata: { name, ...(annotations ? { annotations } : {}) }, spec };
}

const backend = { service: { name: 'web', port: { number: 8080 } } };
const hostRule = (host: string): k8s.V1IngressRule => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } });

function httpRoute(name: string, hostnames?: string[]): k8s.KubernetesObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name },
    spec: { ...(hostnames ? { hostnames } : {}), rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
  } as k8s.KubernetesObject;
}

describe('a hostile tenant owner, at the infrastructure tenants share', function () {
  this.timeout(180_000);
  let admin: k8s.KubeConfig;
  let ownerA: k8s.KubeConfig;
  let ownerB: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;

  before(async function () {
    const env = testEnvironment();
    admin = await prepareCluster();
    await installGatewayApi(env);
    const standard = (await customObjects(admin).getClusterCustomObject({ group, version, plural: 'tenantplans', name: 'standard' })) as {
      spec: Record<string, unknown>;
    };
    await applyObjects(admin, [
      {
        apiVersion: `${group}/${version}`,
        kind: 'TenantPlan',
        metadata: { name: openPlan },
        spec: { ...standard.spec, network: { allowExternalNameServices: true } },
      } as k8s.KubernetesObject,
    ]);
    operator = startOperator({ network: { clusterCIDRs: clusterRanges(env), baseDomain } });
    await applyObjects(admin, [tenantManifest(a), tenantManifest(b, { plan: openPlan, network: { domains: ['esc-b.example'] } })]);
    await waitForReady(admin, a);
    await waitForReady(admin, b);
    ownerA = kubeConfig(issueUserKubeconfig(env, 'mallory', [`${a}-admins`]));
    ownerB = kubeConfig(issueUserKubeconfig(env, 'trudy', [`${b}-admins`]));
  });

  after(async function () {
    await deleteTenantsAndWait(admin, [a, b, 'esc-c']);
    await operator?.stop();
  });

  describe('Services (kube-proxy and DNS)', function () {
    const create = (owner: k8s.KubeConfig, namespace: string, body: k8s.V1Service): Promise<unknown> =>
      owner.makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace, body });

    it('refuses externalIPs, which would capture traffic to those addresses cluster-wide (CVE-2020-8554)', async function () {
      await refusedBy(
        'no-external-ips',
        create(ownerA, nsA, service('capture', { selector: { app: 'x' }, ports: [{ port: 80 }], externalIPs: ['10.96.0.10'] })),
      );
    });

    it('refuses NodePort and LoadBalancer, whatever the quota says', async function () {
      for (const type of ['NodePort', 'LoadBalancer']) {
        await refusedBy(
          'cluster-ip-only',
          create(ownerA, nsA, service(type.toLowerCase(), { type, selector: { app: 'x' }, ports: [{ port: 80 }] })),
        );
      }
    });

    it('refuses an ExternalName Service when the plan does not allow them', async function () {
      await refusedBy(
        'external-name-by-plan',
        create(ownerA, nsA, service('partner', { type: 'ExternalName', externalName: 'api.partner.example.org' })),
      );
    });

    it('refuses, even where the plan allows them, ExternalName into the cluster: another namespace, the API server, an IP, a bare name', async function () {
      for (const target of [
        `web.${nsA}.svc.cluster.local`,
        `web.${nsA}.svc.cluster.local.`,
        `web.${nsA}.svc`,
        'kubernetes.default.svc',
        '10.0.0.1',
        'kubernetes',
        'cluster.local',
      ]) {
        await refusedBy(
          'external-name-outside-cluster',
          create(ownerB, nsB, service(`alias-${Math.abs(hash(target))}`, { type: 'ExternalName', externalName: target })),
        );
      }
    });

    it('accepts a ClusterIP Service, and an ExternalName to a name outside the cluster where the plan allows it', async function () {
      await create(ownerA, nsA, service('own-web', { selector: { app: 'web' }, ports: [{ port: 8080 }] }));
      await create(ownerB, nsB, service('partner', { type: 'ExternalName', externalName: 'api.partner.example.org' }));
    });
  });

  describe('Ingresses (the ingress controller)', function () {
    const create = (owner: k8s.KubeConfig, namespace: string, body: k8s.V1Ingress): Promise<unknown> =>
      owner.makeApiClient(k8s.NetworkingV1Api).createNamespacedIngress({ namespace, body });

    it('refuses a host another tenant serves, its declared domain or its derived one, in rules and in tls', async function () {
      const message = await refusedBy(
        'ingress-host-in-tenant-domains',
        create(ownerA, nsA, ingress('steal', { rules: [hostRule('esc-b.example')] })),
      );
      assert.match(message, new RegExp(`${a}\\.${baseDomain.replace('.', '\\.')}`), 'the refusal names the domains the tenant has');
      await refusedBy(
        'ingress-host-in-tenant-domains',
        create(ownerA, nsA, ingress('steal-sub', { rules: [hostRule('login.esc-b.example')] })),
      );
      await refusedBy(
        'ingress-host-in-tenant-domains',
        create(ownerB, nsB, ingress('steal-derived', { rules: [hostRule(`${a}.${baseDomain}`)] })),
      );
      await refusedBy(
        'ingress-host-in-tenant-domains',
        create(
          ownerA,
          nsA,
          ingress('steal-tls', {
            rules: [hostRule(`${a}.${baseDomain}`)],
            tls: [{ hosts: [`${a}.${baseDomain}`, 'esc-b.example'], secretName: 'cert' }],
          }),
        ),
      );
      await refusedBy('ingress-host-in-tenant-domains', create(ownerA, nsA, ingress('wildcard', { rules: [hostRule(`*.${baseDomain}`)] })));
    });

    it('refuses a rule without a host and a default backend, which take every host nobody else claims', async function () {
      await refusedBy('ingress-host-required', create(ownerA, nsA, ingress('catch-all', { rules: [{ http: hostRule('x').http }] })));
      await refusedBy('no-default-backend', create(ownerA, nsA, ingress('fallback', { defaultBackend: backend })));
    });

    it('refuses controller configuration snippets and server aliases', async function () {
      for (const key of [
        'nginx.ingress.kubernetes.io/configuration-snippet',
        'nginx.ingress.kubernetes.io/server-snippet',
        'nginx.ingress.kubernetes.io/server-alias',
      ]) {
        await refusedBy(
          'no-controller-configuration',
          create(ownerA, nsA, ingress(`snippet-${Math.abs(hash(key))}`, { rules: [hostRule(`${a}.${baseDomain}`)] }, { [key]: 'x' })),
        );
      }
    });

    it("accepts hosts under the tenant's own domains, derived and declared", async function () {
      await create(ownerA, nsA, ingress('own', { rules: [hostRule(`${a}.${baseDomain}`), hostRule(`shop.${a}.${baseDomain}`)] }));
      await create(
        ownerB,
        nsB,
        ingress('own', {
          rules: [hostRule('esc-b.example'), hostRule('www.esc-b.example')],
          tls: [{ hosts: ['www.esc-b.example'], secretName: 'cert' }],
        }),
      );
    });
  });

  describe('Gateway API routes (the shared gateway)', function () {
    const create = (object: k8s.KubernetesObject): Promise<unknown> =>
      customObjects(admin).createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: nsA,
        plural: 'httproutes',
        body: object,
      });

    // Owners hold no rights on routes; a chart may render them, and the operator applies with its own rights.
    it("refuses, from any writer, an HTTPRoute for another tenant's host or for every host", async function () {
      await refusedBy('route-hostnames-in-tenant-domains', create(httpRoute('steal', ['esc-b.example'])));
      await refusedBy('route-hostnames-required', create(httpRoute('every-host')));
    });

    it("accepts an HTTPRoute for the tenant's own host", async function () {
      await create(httpRoute('own', [`${a}.${baseDomain}`]));
    });
  });

  describe('Endpoints and volumes', function () {
    it('leaves writing Endpoints and EndpointSlices to the control plane, even for a cluster admin (CVE-2021-25740)', async function () {
      const slice = {
        metadata: { name: 'to-b' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.0.99'] }],
        ports: [{ port: 8080 }],
      };
      await assert.rejects(
        ownerA.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({ namespace: nsA, body: slice }),
        (error) => apiError(error).code === 403,
        'owners hold no right to write EndpointSlices',
      );
      await refusedBy(
        'no-manual-endpoints',
        admin.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({ namespace: nsA, body: slice }),
      );
      await refusedBy(
        'no-manual-endpoints',
        admin.makeApiClient(k8s.CoreV1Api).createNamespacedEndpoints({
          namespace: nsA,
          body: { metadata: { name: 'to-b' }, subsets: [{ addresses: [{ ip: '10.244.0.99' }], ports: [{ port: 8080 }] }] },
        }),
      );
    });

    it('refuses a claim that names or selects an existing PersistentVolume', async function () {
      const claim = (name: string, spec: Partial<k8s.V1PersistentVolumeClaimSpec>): Promise<unknown> =>
        ownerA.makeApiClient(k8s.CoreV1Api).createNamespacedPersistentVolumeClaim({
          namespace: nsA,
          body: { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } },
        });
      await refusedBy('no-volume-binding', claim('bind', { volumeName: 'someone-elses-data' }));
      await refusedBy('no-volume-selector', claim('select', { selector: { matchLabels: { tenant: b } } }));
      await claim('own-data', {});
    });
  });

  describe("Tenants (the platform's side)", function () {
    const createTenant = (name: string, spec: Record<string, unknown>): Promise<unknown> =>
      customObjects(admin).createClusterCustomObject({ group, version, plural: 'tenants', body: tenantManifest(name, spec) });

    it('refuses declared egress wholly inside the cluster, the platform or the metadata range', async function () {
      const [pods = ''] = clusterRanges(testEnvironment()).pods;
      for (const cidr of [pods, pods.replace(/\/\d+$/, '/24'), '169.254.169.254/32', `${testEnvironment().postgres.host}/32`]) {
        const message = await refusedBy('egress-outside-cluster', createTenant('esc-egress', { network: { allowEgressCIDRs: [cidr] } }));
        assert.match(message, new RegExp(cidr.replaceAll('.', '\\.').replace('/', '\\/') + ' does'));
      }
    });

    it("refuses a declared domain under the platform's base domain or the cluster's", async function () {
      await refusedBy('domains-outside-platform', createTenant('esc-domain', { network: { domains: [`esc-a.${baseDomain}`] } }));
      await refusedBy('domains-outside-platform', createTenant('esc-domain', { network: { domains: ['x.svc.cluster.local'] } }));
    });

    it('bounds 0.0.0.0/0 to the internet: every cluster and platform range inside it is excepted', async function () {
      await customObjects(admin).patchClusterCustomObject(
        { group, version, plural: 'tenants', name: a, body: { spec: { network: { allowEgressCIDRs: ['0.0.0.0/0'] } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      const { pods, services } = clusterRanges(testEnvironment());
      const policy = await eventually('allow-declared-egress with its excepts', async () => {
        const found = await admin
          .makeApiClient(k8s.NetworkingV1Api)
          .readNamespacedNetworkPolicy({ namespace: nsA, name: 'allow-declared-egress' })
          .catch(() => undefined);
        return found?.spec?.egress?.[0]?.to?.[0]?.ipBlock?.except?.length ? found : undefined;
      });
      const block = policy.spec?.egress?.[0]?.to?.[0]?.ipBlock;
      assert.equal(block?.cidr, '0.0.0.0/0');
      for (const excluded of [...pods, ...services, '169.254.0.0/16', `${testEnvironment().postgres.host}/32`]) {
        assert.ok(block?.except?.includes(excluded), `${excluded} is excepted (except: ${block?.except?.join(', ')})`);
      }
    });

    it("withholds a domain another tenant declared first, and refuses the later tenant's Ingress for it", async function () {
      await applyObjects(admin, [tenantManifest('esc-c', { network: { domains: ['shop.esc-b.example', 'esc-c.example'] } })]);
      const tenant = await waitForReady(admin, 'esc-c');
      assert.match(condition(tenant, 'NamespaceReady')?.message ?? '', /withheld: shop\.esc-b\.example \(declared first by tenant esc-b\)/);
      const namespace = await admin.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'tenant-esc-c' });
      assert.equal(namespace.metadata?.annotations?.['bulkhead.dev/ingress-domains'], `esc-c.${baseDomain},esc-c.example`);
      await refusedBy(
        'ingress-host-in-tenant-domains',
        admin
          .makeApiClient(k8s.NetworkingV1Api)
          .createNamespacedIngress({ namespace: 'tenant-esc-c', body: ingress('shop', { rules: [hostRule('shop.esc-b.example')] }) }),
      );
    });

    it('never adopts a namespace it did not create for the Tenant: NamespaceConflict, and the namespace is left as it was', async function () {
      const core = admin.makeApiClient(k8s.CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'tenant-esc-squat', labels: { team: 'someone-else' } } } });
      try {
        await applyObjects(admin, [tenantManifest('esc-squat')]);
        const tenant = await eventually('NamespaceConflict', async () => {
          const read = await readTenant(admin, 'esc-squat');
          return condition(read, 'NamespaceReady')?.reason === 'NamespaceConflict' ? read : undefined;
        });
        assert.match(condition(tenant, 'NamespaceReady')?.message ?? '', /neither adopted nor deleted/);
        const namespace = await core.readNamespace({ name: 'tenant-esc-squat' });
        assert.equal(namespace.metadata?.labels?.['bulkhead.dev/tenant'], undefined, 'not labelled as a tenant namespace');
        const policies = await admin.makeApiClient(k8s.NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: 'tenant-esc-squat' });
        assert.deepEqual(policies.items, [], 'nothing was created in it');
      } finally {
        await customObjects(admin)
          .deleteClusterCustomObject({ group, version, plural: 'tenants', name: 'esc-squat' })
          .catch(() => undefined);
        await core.deleteNamespace({ name: 'tenant-esc-squat' }).catch(() => undefined);
      }
    });
  });

  describe('guardrails someone else added to', function () {
    it("puts default-deny and the owners' binding back exactly as built when someone adds a rule or a subject", async function () {
      const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      const networking = admin.makeApiClient(k8s.NetworkingV1Api);
      const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
      await networking.patchNamespacedNetworkPolicy(
        {
          namespace: nsB,
          name: 'default-deny',
          fieldManager: 'someone-else',
          body: { spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': nsA } } }] }] } },
        },
        mergePatch,
      );
      await rbac.patchNamespacedRoleBinding(
        {
          namespace: nsB,
          name: 'tenant-owners',
          fieldManager: 'someone-else',
          body: {
            subjects: [
              { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `${b}-admins` },
              { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' },
            ],
          },
        },
        mergePatch,
      );
      await eventually('default-deny to be as built again', async () => {
        const policy = await networking.readNamespacedNetworkPolicy({ namespace: nsB, name: 'default-deny' });
        return policy.spec?.ingress === undefined && policy.spec?.egress === undefined ? true : undefined;
      });
      await eventually("the owners' binding to name the owners only", async () => {
        const binding = await rbac.readNamespacedRoleBinding({ namespace: nsB, name: 'tenant-owners' });
        return JSON.stringify(binding.subjects?.map((s) => `${s.kind}/${s.name}`)) === JSON.stringify([`Group/${b}-admins`])
          ? true
          : undefined;
      });
    });

    it("puts the operator's own binding back when someone adds a subject, who would hold the operator's rights in the tenant", async function () {
      const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
      const before = await rbac.readNamespacedRoleBinding({ namespace: nsB, name: 'bulkhead-operator' });
      await rbac.patchNamespacedRoleBinding(
        {
          namespace: nsB,
          name: 'bulkhead-operator',
          fieldManager: 'someone-else',
          body: { subjects: [...(before.subjects ?? []), { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }] },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually("the operator's binding to name the operator only", async () => {
        const binding = await rbac.readNamespacedRoleBinding({ namespace: nsB, name: 'bulkhead-operator' });
        return JSON.stringify(binding.subjects) === JSON.stringify(before.subjects) ? true : undefined;
      });
    });
  });

  describe('guardrails before anything else', function () {
    it('restores a deleted admission policy and binding at once', async function () {
      const policies = admin.makeApiClient(k8s.AdmissionregistrationV1Api);
      await policies.deleteValidatingAdmissionPolicyBinding({ name: 'bulkhead-tenant-services' });
      await policies.deleteValidatingAdmissionPolicy({ name: 'bulkhead-tenant-ingresses' });
      await eventually('both restored', async () => {
        const binding = await policies.readValidatingAdmissionPolicyBinding({ name: 'bulkhead-tenant-services' }).catch(() => undefined);
        const policy = await policies.readValidatingAdmissionPolicy({ name: 'bulkhead-tenant-ingresses' }).catch(() => undefined);
        return binding && policy ? true : undefined;
      });
      await eventually('the restored binding to refuse again', () =>
        refusedBy(
          'no-external-ips',
          ownerA.makeApiClient(k8s.CoreV1Api).createNamespacedService({
            namespace: nsA,
            body: service('capture-again', { selector: { app: 'x' }, ports: [{ port: 80 }], externalIPs: ['10.96.0.10'] }),
          }),
        ).then(() => true),
      );
    });
  });
});

/** A name suffix from a string, for one object per case. */
function hash(text: string): number {
  return [...text].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) | 0, 7) % 100000;
}

/** An operator whose one region's database does not resolve: its tenants get no owners and no app. */
describe('a tenant whose NetworkPolicies cannot all be written', function () {
  this.timeout(120_000);
  let admin: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;

  before(async function () {
    admin = await prepareCluster();
    const regions = operatorRegions();
    const unresolvable = { ...regions['eu-central-1'], database: { ...regions['eu-central-1']?.database, host: 'database.invalid' } };
    operator = startOperator({ regions: { ...regions, 'ap-south-1': unresolvable } });
  });

  after(async function () {
    // Its database server cannot be reached, so its data cannot be torn down: the platform lets it go.
    await customObjects(admin)
      .patchClusterCustomObject(
        {
          group,
          version,
          plural: 'tenants',
          name: 'esc-unfenced',
          body: { metadata: { annotations: { 'bulkhead.dev/orphan-data': 'true' } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
    await deleteTenantsAndWait(admin, ['esc-unfenced']);
    await operator?.stop();
  });

  it('gets default-deny, but no owner binding and no app, and says why', async function () {
    await applyObjects(admin, [tenantManifest('esc-unfenced', { region: 'ap-south-1' })]);
    const tenant = await eventually('NetworkIsolated to fail', async () => {
      const read = await readTenant(admin, 'esc-unfenced');
      return condition(read, 'NetworkIsolated')?.status === 'False' && condition(read, 'AppDeployed') ? read : undefined;
    });
    assert.match(condition(tenant, 'NetworkIsolated')?.message ?? '', /database\.invalid/);
    assert.equal(
      condition(tenant, 'NetworkIsolated')?.reason,
      'PlatformAddressUnresolved',
      'the database server is not "unavailable": its name does not resolve',
    );
    for (const type of ['RbacReady', 'AppDeployed']) {
      assert.equal(condition(tenant, type)?.reason, 'DependenciesNotReady', `${type} waits for NetworkIsolated`);
    }
    const namespace = 'tenant-esc-unfenced';
    const policies = await admin.makeApiClient(k8s.NetworkingV1Api).listNamespacedNetworkPolicy({ namespace });
    assert.ok(
      policies.items.some((p) => p.metadata?.name === 'default-deny'),
      'default-deny is in place',
    );
    const bindings = await admin.makeApiClient(k8s.RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace });
    assert.deepEqual(
      bindings.items.filter((binding) => binding.metadata?.name === 'tenant-owners'),
      [],
      'no owner binding',
    );
    const deployments = await admin.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace });
    assert.deepEqual(deployments.items, [], 'no app');
  });
});
