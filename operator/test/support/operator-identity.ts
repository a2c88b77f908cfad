/**
 * The identities charts/bulkhead gives the operator and the onboarding API, made real in the test
 * environment: the chart's ServiceAccounts, ClusterRoles, Roles and bindings, and the admission
 * policy that confines the operator, are rendered with `helm template` and applied, and each ServiceAccount gets a token from the TokenRequest API (as
 * a pod's projected token would be). The operator in every spec then runs with that token, so a
 * rule missing from the chart fails the specs, and kube-apiserver's audit log records what each
 * identity used (see operator/test/chart/rbac-minimal.spec.ts).
 *
 * A real token rather than impersonation headers: the request is authenticated exactly as in a
 * cluster (ServiceAccount authenticator, its groups, the object's UID), and the process needs no
 * admin credentials at all.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { testEnvironment } from '@bulkhead/testenv';
import { repoRoot } from './cluster.js';

export const chartDir = join(repoRoot, 'charts/bulkhead');
export const chartNamespace = 'bulkhead-system';
export const operatorServiceAccount = 'bulkhead-operator';
export const apiServiceAccount = 'bulkhead-api';
/** The identity a cell gives an onboarding API elsewhere (charts/bulkhead cellApi). */
export const cellApiServiceAccount = 'bulkhead-cell-api';
/** The chart's ClusterRole the operator binds to itself in each tenant namespace (rbac.operatorTenantClusterRole). */
export const operatorTenantClusterRole = 'bulkhead-operator-tenant';

/**
 * The chart templates that make the identities and confine them (not the Deployments: the specs
 * run the processes), so that every spec runs the operator under the admission policy too.
 */
export const identityTemplates = [
  'serviceaccounts.yaml',
  'operator-rbac.yaml',
  'operator-confinement.yaml',
  'api-rbac.yaml',
  'api-token-secret.yaml',
];

/** `helm template` of charts/bulkhead with the given values, limited to `templates` when given. */
export function renderChart(values: Record<string, unknown>, templates: string[] = []): string {
  const env = testEnvironment();
  const args = [
    'template',
    'bulkhead',
    chartDir,
    '--namespace',
    chartNamespace,
    '--values',
    '-',
    ...templates.flatMap((t) => ['--show-only', `templates/${t}`]),
  ];
  return execFileSync(env.helm, args, { input: JSON.stringify(values), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The parts of an operator configuration the chart's RBAC follows. */
export interface IdentityConfig {
  regions?: unknown;
  leaderElection?: { leaseName?: string };
  audit?: {
    enabled?: boolean;
    signingKeySecret?: { namespace: string; name: string };
    reportConfigMap?: string;
    probes?: { enabled?: boolean };
  };
  backups?: { bucket: string; region: string; credentialsSecret?: { namespace: string; name: string } };
}

/**
 * The chart's values for an operator configuration: the Secrets it names (regions' credentials,
 * the audit's signing key), its Lease and its report ConfigMap, exactly as an installation with
 * that configuration in operator.config would render them.
 */
export function chartValuesFor(config: IdentityConfig): Record<string, unknown> {
  const { enabled, signingKeySecret, reportConfigMap, probes } = config.audit ?? {};
  const audit = {
    // Off, the chart grants no report ConfigMap (an operator that never audits never publishes).
    ...(enabled === false ? { enabled: false } : {}),
    ...(signingKeySecret ? { signingKeySecret } : {}),
    ...(reportConfigMap ? { reportConfigMap } : {}),
    // The probes' pod rules only where a spec turns them on, as an installation would.
    ...(probes?.enabled ? { probes: { enabled: true } } : {}),
  };
  return {
    operator: {
      config: {
        regions: config.regions ?? {},
        ...(config.leaderElection?.leaseName ? { leaderElection: { leaseName: config.leaderElection.leaseName } } : {}),
        ...(Object.keys(audit).length > 0 ? { audit } : {}),
        ...(config.backups ? { backups: config.backups } : {}),
      },
    },
  };
}

const kubeconfigs = new Map<string, string>();
let currentValues: Record<string, unknown> | undefined;

/**
 * Per ServiceAccount, every set of chart values it was handed a kubeconfig under in this run, kept
 * in a file of the environment: mocha may load spec files both as CommonJS and as ES modules, which
 * gives this module two instances, so module state would not see every spec's use.
 */
type ValuesInUse = Record<string, Record<string, Record<string, unknown>>>;
const valuesInUseFile = (): string => join(testEnvironment().dir, 'run', 'identities', 'values-in-use.json');

function readValuesInUse(): ValuesInUse {
  return existsSync(valuesInUseFile()) ? (JSON.parse(readFileSync(valuesInUseFile(), 'utf8')) as ValuesInUse) : {};
}

export function recordUse(serviceAccount: string, values: Record<string, unknown>): void {
  const all = readValuesInUse();
  all[serviceAccount] = { ...all[serviceAccount], [JSON.stringify(values)]: values };
  mkdirSync(join(testEnvironment().dir, 'run', 'identities'), { recursive: true });
  writeFileSync(valuesInUseFile(), JSON.stringify(all));
}

/**
 * The chart values each ServiceAccount ran under in this run: the minimality check judges the
 * rules each identity actually held (say, the signing-key Secret only where a spec configured one).
 */
export const chartValuesUsedBy = (serviceAccount: string): Record<string, unknown>[] =>
  Object.values(readValuesInUse()[serviceAccount] ?? {});

/**
 * Renders and applies the chart's identities for `config` (server-side apply, idempotent; skipped
 * when the same values were applied last). Synchronous, so startOperator can call it.
 */
export function applyChartIdentities(config: IdentityConfig): void {
  const env = testEnvironment();
  const values = chartValuesFor(config);
  currentValues = values;
  // What the cluster holds is recorded in the environment (see valuesInUseFile for why not in memory).
  const lastApplied = join(env.dir, 'run', 'identities', 'last-applied.json');
  if (existsSync(lastApplied) && readFileSync(lastApplied, 'utf8') === JSON.stringify(values)) return;
  execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', '-'], {
    input: renderChart(values, identityTemplates),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  mkdirSync(join(env.dir, 'run', 'identities'), { recursive: true });
  writeFileSync(lastApplied, JSON.stringify(values));
  appendFileSync(appliedLogFile(), `${JSON.stringify({ at: Date.now(), values })}\n`);
  awaitReportConfinement(config);
}

/** Every set of chart values applied in this run, with when, one JSON line each (see chartValuesWindows). */
const appliedLogFile = (): string => join(testEnvironment().dir, 'run', 'identities', 'applied.jsonl');

/** A set of chart values the cluster held from `from` (ms since the epoch) until the next window's. */
export interface ChartValuesWindow {
  from: number;
  values: Record<string, unknown>;
}

/**
 * The chart values the cluster held over the run, oldest first: the minimality check judges each
 * request against the rules in force when it was made, so a rule only some values render (the
 * namespace sweep's lists with the audit off) is needed by the requests made under those values,
 * not shadowed by a broader rule other values render.
 */
export function chartValuesWindows(): ChartValuesWindow[] {
  if (!existsSync(appliedLogFile())) return [];
  return readFileSync(appliedLogFile(), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const { at, values } = JSON.parse(line) as { at: number; values: Record<string, unknown> };
      return { from: at, values };
    });
}

/** Blocks the thread for `ms` (applyChartIdentities is synchronous). */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * kube-apiserver compiles a changed admission policy on its next refresh, once a second
 * (policyRefreshIntervalDefault in k8s.io/apiserver's admission/plugin/policy/generic), and RBAC
 * follows a changed Role through an informer. Until then the previous values' confinement policy
 * judges the operator's writes and refuses the report ConfigMaps these values name: a spec that
 * publishes right after changing the report's name was refused with 403, in a run where an
 * earlier spec had installed another name. So with a signing key and the audit on (only then may the operator
 * publish) this waits until a server-side dry run of the report's write, made by the admin as the
 * operator, is admitted. Impersonated requests are audited as the admin's, so the RBAC minimality
 * check does not count them.
 */
function awaitReportConfinement(config: IdentityConfig): void {
  if (!config.audit?.signingKeySecret || config.audit.enabled === false) return;
  const env = testEnvironment();
  const name = config.audit.reportConfigMap ?? 'bulkhead-audit-report';
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: chartNamespace } };
  const args = [
    '--kubeconfig',
    env.kubeconfig,
    '--as',
    `system:serviceaccount:${chartNamespace}:${operatorServiceAccount}`,
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager',
    'bulkhead-audit',
    '--dry-run=server',
    '-f',
    '-',
  ];
  const deadline = Date.now() + 30_000;
  for (;;) {
    const attempt = spawnSync(env.kubectl, args, { input: JSON.stringify(configMap), encoding: 'utf8' });
    if (attempt.status === 0) return;
    if (!/forbidden/i.test(attempt.stderr) || Date.now() > deadline) {
      throw new Error(
        `the chart's confinement did not admit the operator's write of ConfigMap ${chartNamespace}/${name} within 30 s: ${attempt.stderr.trim()}`,
      );
    }
    pause(100);
  }
}

/**
 * Applies the chart's identities for `config` and writes a token kubeconfig per ServiceAccount,
 * once per environment; `renewTokens` after the ServiceAccounts were deleted and made again (a
 * token names its ServiceAccount's UID and dies with it).
 */
export async function installChartIdentities(kc: k8s.KubeConfig, config: IdentityConfig, renewTokens = false): Promise<void> {
  const env = testEnvironment();
  if (renewTokens) {
    for (const name of [operatorServiceAccount, apiServiceAccount]) kubeconfigs.delete(`${env.dir}:${name}`);
    rmSync(join(env.dir, 'run', 'identities', 'last-applied.json'), { force: true });
  }
  applyChartIdentities(config);
  for (const name of [operatorServiceAccount, apiServiceAccount]) {
    const key = `${env.dir}:${name}`;
    if (kubeconfigs.has(key)) continue;
    kubeconfigs.set(key, await writeTokenKubeconfig(kc, name));
  }
}

async function writeTokenKubeconfig(kc: k8s.KubeConfig, serviceAccount: string): Promise<string> {
  const env = testEnvironment();
  const request = await kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace: chartNamespace,
    // Long enough for the slowest whole run; the token dies with the environment anyway.
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${serviceAccount} returned no token`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const user = `system:serviceaccount:${chartNamespace}:${serviceAccount}`;
  const dir = join(env.dir, 'run', 'identities');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${serviceAccount}.kubeconfig`);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'bulkhead-local', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: serviceAccount, context: { cluster: 'bulkhead-local', user } }],
      'current-context': serviceAccount,
    }),
    { mode: 0o600 },
  );
  return path;
}

function preparedKubeconfig(serviceAccount: string): string {
  const path = kubeconfigs.get(`${testEnvironment().dir}:${serviceAccount}`);
  if (!path || !currentValues) {
    throw new Error(`no kubeconfig for ServiceAccount ${serviceAccount}: call prepareCluster() (or prepareOperatorNamespace()) first`);
  }
  recordUse(serviceAccount, currentValues);
  return path;
}

/** The kubeconfig of the chart's operator ServiceAccount (after prepareCluster). */
export const operatorKubeconfig = (): string => preparedKubeconfig(operatorServiceAccount);
/** The kubeconfig of the chart's onboarding-API ServiceAccount (after prepareCluster). */
export const apiKubeconfig = (): string => preparedKubeconfig(apiServiceAccount);
