/** The pool namespace's network judge, and the statement of what a pooled tenant shares. */
import assert from 'node:assert/strict';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import { judgePooledSharing, judgePoolNetwork } from './pool-checks.js';

const namespace = 'bulkhead-pool-eu-central-1';
const platform = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system' };
const built = () =>
  buildNetworkPolicies(
    { name: 'pool-eu-central-1', uid: '' },
    { namespace, egress: [], database: { address: '10.0.0.5', port: 5432 }, ingressPorts: [{ protocol: 'TCP', port: 8080 }] },
    { ...platform, dnsPodLabels: { 'k8s-app': 'kube-dns' } },
  );

describe('the pool namespace’s NetworkPolicies', () => {
  it('pass as the operator builds them', () => {
    assert.equal(judgePoolNetwork(namespace, built(), platform).result, 'pass');
  });

  it('fail without a default-deny', () => {
    const check = judgePoolNetwork(
      namespace,
      built().filter((p) => p.metadata.name !== 'default-deny'),
      platform,
    );
    assert.equal(check.reason, 'DefaultDenyMissing');
  });

  it('fail when a rule admits a tenant namespace, naming the policy and the namespace', () => {
    const policies = built();
    policies.push({
      ...policies[1]!,
      metadata: { ...policies[1]!.metadata, name: 'let-acme-in' },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-acme' } } }] }],
      },
    });
    const check = judgePoolNetwork(namespace, policies, platform);
    assert.equal(check.reason, 'PoolNamespaceOpened');
    assert.match(check.message, /let-acme-in admits namespace tenant-acme/);
  });

  it('fail when a rule admits every namespace or a wide address range', () => {
    const policies = built();
    policies.push({
      ...policies[1]!,
      metadata: { ...policies[1]!.metadata, name: 'wide' },
      spec: { podSelector: {}, egress: [{ to: [{ namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    });
    assert.match(
      judgePoolNetwork(namespace, policies, platform).message,
      /selector other than their name.*10\.0\.0\.0\/8 wider than one host/,
    );
  });
});

describe('the pool namespace’s NetworkPolicies, opened by a rule without peers', () => {
  it('fail, naming the policy', () => {
    const policies = built();
    policies.push({ ...policies[1]!, metadata: { ...policies[1]!.metadata, name: 'anyone' }, spec: { podSelector: {}, ingress: [{}] } });
    assert.match(
      judgePoolNetwork(namespace, policies, platform).message,
      /anyone admits every namespace and address \(a rule with no peers\)/,
    );
  });
});

describe('what a pooled tenant shares', () => {
  const tenant = { metadata: { name: 'acme' }, spec: { region: 'eu-central-1', plan: 'p' } } as unknown as Tenant;
  const plan = (isolation: Record<string, string>) =>
    ({ metadata: { name: 'p' }, spec: { app: { chart: 'tenant-app', version: '1.4.2' }, isolation } }) as unknown as TenantPlan;

  it('is not stated for a silo tenant', () => {
    assert.equal(judgePooledSharing(tenant, plan({ database: 'Dedicated', key: 'Dedicated', release: 'Dedicated' })), undefined);
  });

  it('names the database server, and with a shared release the release, its nodes and network', () => {
    const pooled = judgePooledSharing(tenant, plan({ database: 'Shared', key: 'Dedicated', release: 'Dedicated' }));
    assert.match(pooled?.message ?? '', /shares the database server of region eu-central-1 and its pool database bulkhead_pool/);
    assert.match(pooled?.message ?? '', /Its own: its namespace and owners, its release, its KMS key$/);
    const shared = judgePooledSharing(tenant, plan({ database: 'Shared', key: 'Dedicated', release: 'Shared' }));
    assert.match(
      shared?.message ?? '',
      /the shared release tenant-app-1-4-2 in namespace bulkhead-pool-eu-central-1: its pods and their memory, the nodes and pod network/,
    );
    assert.equal(shared?.result, 'pass');
  });
});
