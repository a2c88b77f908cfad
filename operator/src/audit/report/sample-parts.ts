/**
 * A realistic set of audit parts (three tenants, one cross-tenant flow the NetworkPolicies allow,
 * everything else isolated), for the report's tests and for trying the renderers by hand. It is
 * data only; nothing in the audit reads it.
 */
import { failed, passed, type AuditCheck, type InputObject, type ReachabilityMatrix } from '../model.js';
import type { ReportParts } from './build.js';
import { sparseMatrix } from './matrix-cells.js';
import { apiVersion, tenantKind } from '../../api/tenant.js';

export const sampleTenants = ['acme', 'globex', 'initech'] as const;

const probes = ['TCP/80', 'UDP/53'];

/** Sparse, as the audit writes it since decision 0056: the pairs where nothing is allowed are counted, not listed. */
function sampleMatrix(): ReachabilityMatrix {
  const namespaces = [...sampleTenants.map((tenant) => `tenant-${tenant}`), '(other)'];
  const cells = namespaces.flatMap((from) => namespaces.map((to) => ({ from, to, allowed: allowedBetween(from, to) })));
  return sparseMatrix(namespaces, probes, cells);
}

/** Within a namespace: the app port; to the rest: DNS; from the rest (the ingress controller): the app port. */
function allowedBetween(from: string, to: string): string[] {
  if (from === '(other)' && to === '(other)') return ['TCP/80', 'UDP/53'];
  if (from === to) return ['TCP/80'];
  if (to === '(other)') return ['UDP/53'];
  if (from === '(other)') return ['TCP/80'];
  // The one finding: initech's namespace has a policy admitting traffic from acme.
  return from === 'tenant-acme' && to === 'tenant-initech' ? ['TCP/80'] : [];
}

function tenantChecks(tenant: string): AuditCheck[] {
  const namespace = `tenant-${tenant}`;
  return [
    passed({
      id: 'access.secrets-readers',
      category: 'access',
      tenant,
      title: `Only ${tenant}'s owners and the operator can read Secrets in ${namespace}`,
      message: `subjects allowed to get secrets: bulkhead-operator, Group ${tenant}-admins`,
      evidence: {
        namespace,
        verb: 'get',
        resource: 'secrets',
        subjects: ['system:serviceaccount:bulkhead-system:bulkhead-operator', `Group:${tenant}-admins`],
      },
    }),
    passed({
      id: 'guardrails.pod-security',
      category: 'guardrails',
      tenant,
      title: `${namespace} enforces Pod Security restricted`,
      message: 'enforce, audit and warn are restricted',
      evidence: { namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    }),
    passed({
      id: 'database.cross-connect',
      category: 'database',
      tenant,
      title: `${tenant}'s database role cannot connect to another tenant's database`,
      message: 'connection to every other tenant database refused',
      evidence: { role: `tenant_${tenant}`, refused: sampleTenants.filter((other) => other !== tenant).map((other) => `tenant_${other}`) },
    }),
    passed({
      id: 'key.policy',
      category: 'key',
      tenant,
      title: `${tenant}'s KMS key is usable only by its own principal`,
      message: `alias/bulkhead/${tenant}: rotation on, policy names one principal`,
      evidence: { alias: `alias/bulkhead/${tenant}`, rotation: true },
    }),
    networkCheck(tenant, namespace),
  ];
}

function networkCheck(tenant: string, namespace: string): AuditCheck {
  const inbound = sampleMatrix().cells.filter(
    (cell) => cell.to === namespace && cell.from !== namespace && cell.from !== '(other)' && cell.allowed.length > 0,
  );
  const fields = {
    id: 'network.cross-tenant',
    category: 'network' as const,
    tenant,
    title: `No other tenant may connect to pods in ${namespace}`,
    evidence: { namespace, inbound: inbound.map((cell) => ({ from: cell.from, allowed: cell.allowed })) },
  };
  if (inbound.length === 0) return passed({ ...fields, message: 'no other tenant namespace may open a connection' });
  return failed({
    ...fields,
    reason: 'CrossTenantFlowAllowed',
    message: `${inbound.map((cell) => `${cell.from} may connect on ${cell.allowed.join(', ')}`).join('; ')} (NetworkPolicy ${namespace}/allow-partner, ingress rule 0)`,
  });
}

function sampleInputs(): InputObject[] {
  return sampleTenants.flatMap((tenant, index) => [
    { apiVersion, kind: tenantKind, name: tenant, uid: `0000000${index}-aaaa-4000-8000-000000000001`, resourceVersion: `${100 + index}` },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      name: `tenant-${tenant}`,
      uid: `0000000${index}-bbbb-4000-8000-000000000002`,
      resourceVersion: `${200 + index}`,
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      namespace: `tenant-${tenant}`,
      name: 'default-deny',
      uid: `0000000${index}-cccc-4000-8000-000000000003`,
      resourceVersion: `${300 + index}`,
    },
  ]);
}

export function sampleReportParts(): ReportParts {
  return {
    generatedAt: new Date('2026-11-27T03:00:00.000Z'),
    cluster: { server: 'https://127.0.0.1:6443', kubeSystemUid: '4f0c2a53-9a1e-4c1b-8f0e-6d2b1f7a9c10' },
    scope: { kind: 'all' },
    assumptions: { ipBlockMatchesPodIPs: true, endPortSupported: true, hostNetworkPodsBypass: true, loopbackPairsListed: false },
    inputs: sampleInputs(),
    checks: sampleTenants.flatMap(tenantChecks),
    inventory: {
      tenants: [...sampleTenants],
      namespaces: [...sampleTenants],
      databases: [...sampleTenants],
      keyAliases: [...sampleTenants],
    },
    matrix: sampleMatrix(),
    previous: null,
  };
}
