/**
 * One audit run: reads the Tenants and plans, runs every part (network, access, guardrails,
 * databases, keys, the offboarded tenants' exports) against the live cluster and backing services, and puts their checks, inputs,
 * matrix and inventory into one unsigned report. A part that fails as a whole becomes an `error`
 * check of its category, so the report always says what was not looked at.
 *
 * `bulkhead audit` runs it with the live access probes (SubjectAccessReviews, dry-run writes as
 * tenant owners); the operator's periodic run without them (docs/decisions/0005).
 */
import { randomBytes } from 'node:crypto';
import { tenantLabel } from '../api/labels.js';
import type { OperatorConfig } from '../api/operator-config.js';
import { tenantPlanKind, type TenantPlan } from '../api/tenant-plan.js';
import { apiVersion, tenantKind, type Tenant } from '../api/tenant.js';
import { PlatformAddressResolver, type PlatformAddresses } from '../controllers/tenant/platform-addresses.js';
import { AccessReviewClient } from '../kube/access-review.js';
import type { KubeClient } from '../kube/client.js';
import type { Logger } from '../runtime/logging.js';
import { noPhaseMarks, type PhaseMarks } from './cost.js';
import { auditAccess, platformConfigFor } from './access/index.js';
import { ClusterReader, listAll } from './cluster-reads.js';
import { auditDatabases, auditKeys, auditOffboarding } from './data/index.js';
import { auditGuardrailExposure, auditNetworkExposure } from './exposure/index.js';
import { auditNetwork, defaultFleetProbes } from './fleet-network/index.js';
import { auditGuardrails, uniqueInputs } from './guardrails/index.js';
import type { AuditCheck } from './model.js';
import { defaultAssumptions, type Assumptions, type Probe } from './network/index.js';
import { oneAtATime, runPart, type PartResult } from './parts.js';
import { admissionPoliciesOffLimitation, buildReportYielding, databaseLoginSampleLimitation, type Inventory } from './report/index.js';
import type { ReportScope, UnsignedReport } from './report/schema.js';
import { auditOnTheWire, defaultProbePodSettings, type ProbePodSettings } from './wire/index.js';

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
  /** Probe on the wire too (docs/decisions/0020); absent: the analysis only. */
  wire?: WireRequest;
  /** The operator's resolver of the platform's server addresses (shares its cache); a new one by default. */
  addresses?: PlatformAddressResolver;
  /** Marked as each part ends and when the report is built, so the run's cost says where its peak was. */
  phases?: PhaseMarks;
}

export interface WireRequest {
  /** Platform namespaces to probe besides the tenants' (the ingress controller's), where the caller may run pods. */
  platformNamespaces: string[];
  concurrency: number;
  fieldManager: string;
  settings?: ProbePodSettings;
  signal?: AbortSignal;
}

/**
 * The probes on the wire as the configuration's audit.probes sets them (image, settle time,
 * concurrency), in the tenants' namespaces plus `platformNamespaces`. The operator and
 * `bulkhead audit --probe` both build their request here, so the two probe alike.
 */
export function wireRequestFor(config: OperatorConfig, platformNamespaces: string[], concurrency?: number): WireRequest {
  const { probes } = config.audit;
  return {
    platformNamespaces,
    concurrency: concurrency ?? probes.concurrency,
    fieldManager: 'bulkhead-audit',
    settings: { ...defaultProbePodSettings, image: probes.image, settleSeconds: probes.settleSeconds },
  };
}

export interface AuditRun {
  tenants: Tenant[];
  checks: AuditCheck[];
  report: UnsignedReport;
}

/** What every part is given: the fleet as listed at the start of the run. */
interface RunContext {
  request: AuditRunRequest;
  tenants: Tenant[];
  plans: TenantPlan[];
  reader: ClusterReader;
  addresses: () => Promise<PlatformAddresses>;
  generatedAt: Date;
  /** The CPU-bound analyses, one at a time; the parts that mostly wait on servers run beside them. */
  analysis: <T>(task: () => Promise<T>) => Promise<T>;
  /** runPart, marking the run's phases as each part ends. */
  part: typeof runPart;
}

async function clusterIdentity(client: KubeClient): Promise<{ server: string; kubeSystemUid: string }> {
  const kubeSystem = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'kube-system' });
  return { server: client.transport.server.origin, kubeSystemUid: kubeSystem?.metadata.uid ?? 'unknown' };
}

async function tenantNamespaces(client: KubeClient): Promise<PartResult> {
  const namespaces = await listAll(client, 'v1', 'Namespace', { labelSelector: tenantLabel });
  return { checks: [], inputs: [], inventory: { namespaces: namespaces.map((ns) => ns.metadata.labels?.[tenantLabel] ?? '') } };
}

function networkParts({ request, tenants, plans, reader, addresses, analysis, part }: RunContext): Promise<PartResult>[] {
  const { config } = request;
  return [
    part({ category: 'network', name: 'analysis', title: 'The NetworkPolicies could be analysed' }, tenants, () =>
      analysis(async () =>
        auditNetwork(reader, {
          tenants,
          platform: config.network,
          addresses: await addresses(),
          probes: request.probes ?? defaultFleetProbes,
          assumptions: request.assumptions ?? defaultAssumptions,
        }),
      ),
    ),
    part(
      {
        category: 'network',
        name: 'exposure',
        title: 'The Services, Ingresses, routes, endpoints and NetworkPolicies in tenant namespaces could be judged',
      },
      tenants,
      () => analysis(async () => auditNetworkExposure(reader, { tenants, plans, config, addresses: await addresses() })),
    ),
  ];
}

function otherParts({ request, tenants, plans, reader, addresses, generatedAt, analysis, part }: RunContext): Promise<PartResult>[] {
  const { client, config, logger } = request;
  const log = logger ? { logger } : {};
  return [
    part({ category: 'access', name: 'analysis', title: 'Access to tenant namespaces could be analysed' }, tenants, () =>
      analysis(() =>
        auditAccess(new AccessReviewClient(client.transport), {
          tenants,
          offline: !request.liveProbes,
          platformSubjects: platformConfigFor(config.namespace),
        }),
      ),
    ),
    part({ category: 'guardrails', name: 'namespaces', title: 'The guardrails could be read' }, tenants, () =>
      auditGuardrails(client, { tenants, plans, config }),
    ),
    part(
      {
        category: 'guardrails',
        name: 'exposure',
        title: 'The admission policies, finalizers and volume claims of tenant namespaces could be judged',
      },
      tenants,
      () => analysis(async () => auditGuardrailExposure(reader, { tenants, plans, config, addresses: await addresses() })),
    ),
    part({ category: 'database', name: 'databases', title: 'The tenant databases could be audited' }, tenants, async () => {
      const logins = {
        ...config.audit.databaseLogins,
        intervalSeconds: config.audit.intervalSeconds,
        generatedAt,
        seed: randomBytes(16).toString('hex'),
      };
      const result = await auditDatabases(client, { tenants, config, logins, ...log });
      const sampled = result.samples.filter((sample) => sample.method === 'sampled');
      return {
        ...result,
        inventory: { databases: result.inventory?.databases ?? null },
        limitations: sampled.length > 0 ? [databaseLoginSampleLimitation(sampled)] : [],
      };
    }),
    part({ category: 'key', name: 'keys', title: 'The tenant keys could be audited' }, tenants, async () => {
      const result = await auditKeys(client, { tenants, config, ...log });
      return { ...result, inventory: { keyAliases: result.inventory?.keyAliases ?? null } };
    }),
    part(
      {
        category: 'key',
        name: 'offboarding',
        title: 'The exports and keys of tenants deleted with deletionPolicy Export could be audited',
      },
      [],
      () => auditOffboarding(client, { tenants, config, ...log }),
    ),
    part({ category: 'inventory', name: 'namespaces', title: 'The tenant namespaces could be listed' }, tenants, () =>
      tenantNamespaces(client),
    ),
  ];
}

function probedParts(results: readonly PartResult[]): { probed?: PartResult['probed']; measuredEnforcement?: string } {
  const wire = results.find((result) => result.probed);
  if (!wire?.probed) return {};
  return { probed: wire.probed, ...(wire.measuredEnforcement ? { measuredEnforcement: wire.measuredEnforcement } : {}) };
}

/** After every other part, so that no part reads the probe pods as the fleet's. */
function wirePart({ request, tenants, reader, part }: RunContext): Promise<PartResult> {
  const { wire } = request;
  if (!wire) return Promise.resolve({ checks: [], inputs: [] });
  return part({ category: 'network', name: 'probes', title: 'The probes on the wire could be run' }, tenants, async () => {
    const result = await auditOnTheWire(request.client, reader, {
      ...wire,
      tenants,
      assumptions: request.assumptions ?? defaultAssumptions,
    });
    return {
      checks: result.checks,
      inputs: [],
      probed: result.probed,
      ...(result.limitation ? { measuredEnforcement: result.limitation } : {}),
    };
  });
}

export async function runAudit(request: AuditRunRequest): Promise<AuditRun> {
  const { client, config } = request;
  const generatedAt = (request.now ?? (() => new Date()))();
  const [tenants, plans, cluster] = await Promise.all([
    listAll<Tenant>(client, apiVersion, tenantKind),
    listAll<TenantPlan>(client, apiVersion, tenantPlanKind),
    clusterIdentity(client),
  ]);
  const resolver = request.addresses ?? new PlatformAddressResolver(config);
  const phases = request.phases ?? noPhaseMarks;
  const context: RunContext = {
    request,
    tenants,
    plans,
    reader: new ClusterReader(client),
    addresses: () => resolver.addresses(),
    generatedAt,
    analysis: oneAtATime(),
    part: (spec, scope, run) => runPart(spec, scope, run).finally(() => phases.mark(`${spec.category}.${spec.name}`)),
  };
  const results = await Promise.all([...networkParts(context), ...otherParts(context)]);
  results.push(await wirePart(context));
  const inventory: Inventory = { tenants: tenants.map((t) => t.metadata.name), namespaces: null, databases: null, keyAliases: null };
  for (const result of results) Object.assign(inventory, result.inventory ?? {});
  const report = await buildReportYielding({
    generatedAt,
    cluster,
    scope: request.scope,
    assumptions: request.assumptions ?? defaultAssumptions,
    inputs: uniqueInputs(results.flatMap((result) => result.inputs).filter((input) => input.uid !== '')),
    checks: results.flatMap((result) => result.checks),
    inventory,
    matrix: results.find((result) => result.matrix)?.matrix ?? null,
    ...probedParts(results),
    previous: request.previous,
    extraLimitations: [
      ...(config.admissionPolicies.enabled ? [] : [admissionPoliciesOffLimitation]),
      ...results.flatMap((result) => result.limitations ?? []),
    ],
  });
  phases.mark('report built');
  return { tenants, checks: report.checks, report };
}
