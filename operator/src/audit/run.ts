/**
 * One audit run: reads the Tenants and plans, runs every part (network, access, guardrails,
 * databases, keys) against the live cluster and backing services, and puts their checks, inputs,
 * matrix and inventory into one unsigned report. A part that fails as a whole becomes an `error`
 * check of its category, so the report always says what was not looked at.
 *
 * `bulkhead audit` runs it with the live access probes (SubjectAccessReviews, dry-run writes as
 * tenant owners); the operator's periodic run without them (docs/decisions/0005).
 */
import { tenantLabel } from '../api/labels.js';
import type { OperatorConfig } from '../api/operator-config.js';
import type { TenantPlan } from '../api/tenant-plan.js';
import type { Tenant } from '../api/tenant.js';
import { AccessReviewClient } from '../kube/access-review.js';
import type { KubeClient } from '../kube/client.js';
import type { Logger } from '../runtime/logging.js';
import { auditAccess, platformConfigFor } from './access/index.js';
import { listAll } from './cluster-reads.js';
import { auditDatabases, auditKeys } from './data/index.js';
import { auditNetwork, defaultFleetProbes } from './fleet-network/index.js';
import { auditGuardrails } from './guardrails/index.js';
import { errored, type AuditCheck, type CheckCategory, type InputObject, type ReachabilityMatrix } from './model.js';
import { defaultAssumptions, type Assumptions, type Probe } from './network/index.js';
import { buildReport, type Inventory } from './report/index.js';
import type { ReportScope, UnsignedReport } from './report/schema.js';

export interface AuditRunRequest {
  client: KubeClient;
  config: OperatorConfig;
  scope: ReportScope;
  /** SubjectAccessReviews and dry-run writes as each tenant owner (the auditor's command only). */
  liveProbes: boolean;
  previous: { digest: string } | null;
  probes?: Probe[];
  assumptions?: Assumptions;
  logger?: Logger;
  now?: () => Date;
}

export interface AuditRun {
  tenants: Tenant[];
  checks: AuditCheck[];
  report: UnsignedReport;
}

interface PartResult {
  checks: AuditCheck[];
  inputs: InputObject[];
  matrix?: ReachabilityMatrix;
  inventory?: Partial<Inventory>;
}

const tenantApiVersion = 'bulkhead.dev/v1alpha1';

/** Runs a part; if it throws, one `error` check of its category says so. */
async function part(category: CheckCategory, title: string, run: () => Promise<PartResult>): Promise<PartResult> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { checks: [errored({ id: `${category}.part`, category, title, reason: 'AuditPartFailed', message, evidence: null })], inputs: [] };
  }
}

async function clusterIdentity(client: KubeClient): Promise<{ server: string; kubeSystemUid: string }> {
  const kubeSystem = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'kube-system' });
  return { server: client.transport.server.origin, kubeSystemUid: kubeSystem?.metadata.uid ?? 'unknown' };
}

async function tenantNamespaces(client: KubeClient): Promise<PartResult> {
  const namespaces = await listAll(client, 'v1', 'Namespace', { labelSelector: tenantLabel });
  return { checks: [], inputs: [], inventory: { namespaces: namespaces.map((ns) => ns.metadata.labels?.[tenantLabel] ?? '') } };
}

function parts(request: AuditRunRequest, tenants: Tenant[], plans: TenantPlan[]): Promise<PartResult>[] {
  const { client, config, logger } = request;
  return [
    part('network', 'The NetworkPolicies could be analysed', () => auditNetwork(client, {
      tenants, platform: config.network, probes: request.probes ?? defaultFleetProbes, assumptions: request.assumptions ?? defaultAssumptions,
    })),
    part('access', 'Access to tenant namespaces could be analysed', () =>
      auditAccess(new AccessReviewClient(client.transport), { tenants, offline: !request.liveProbes, platformSubjects: platformConfigFor(config.namespace) })),
    part('guardrails', 'The guardrails could be read', () => auditGuardrails(client, { tenants, plans, config })),
    part('database', 'The tenant databases could be audited', async () => {
      const result = await auditDatabases(client, { tenants, config, ...(logger ? { logger } : {}) });
      return { ...result, inventory: { databases: result.inventory?.databases ?? null } };
    }),
    part('key', 'The tenant keys could be audited', async () => {
      const result = await auditKeys(client, { tenants, config, ...(logger ? { logger } : {}) });
      return { ...result, inventory: { keyAliases: result.inventory?.keyAliases ?? null } };
    }),
    part('inventory', 'The tenant namespaces could be listed', () => tenantNamespaces(client)),
  ];
}

export async function runAudit(request: AuditRunRequest): Promise<AuditRun> {
  const { client } = request;
  const generatedAt = (request.now ?? (() => new Date()))();
  const [tenants, plans, cluster] = await Promise.all([
    listAll<Tenant>(client, tenantApiVersion, 'Tenant'),
    listAll<TenantPlan>(client, tenantApiVersion, 'TenantPlan'),
    clusterIdentity(client),
  ]);
  const results = await Promise.all(parts(request, tenants, plans));
  const inventory: Inventory = { tenants: tenants.map((t) => t.metadata.name), namespaces: null, databases: null, keyAliases: null };
  for (const result of results) Object.assign(inventory, result.inventory ?? {});
  const checks = results.flatMap((result) => result.checks);
  const report = buildReport({
    generatedAt,
    cluster,
    scope: request.scope,
    assumptions: request.assumptions ?? defaultAssumptions,
    inputs: results.flatMap((result) => result.inputs).filter((input) => input.uid !== ''),
    checks,
    inventory,
    matrix: results.find((result) => result.matrix)?.matrix ?? null,
    previous: request.previous,
  });
  return { tenants, checks: report.checks, report };
}
