/**
 * Bulkhead installed on this machine, as `make demo` and the e2e journeys use it: the local
 * environment (control plane, PostgreSQL, KMS emulator), the CRDs and example plans, the operator's
 * namespace with its Secrets (database admin login, KMS credentials, the audit's signing key), the
 * product chart packaged into a chart repository, the operator and the onboarding API as child
 * processes (the API with its audit trail database), and tokens for each API role.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { stringify } from 'yaml';
import { installCrds } from '../testenv/src/crds.js';
import { isRunning, readEnvironment, startEnvironment, stopEnvironment, type Environment } from '../testenv/src/environment.js';
import { quoteLiteral } from '../operator/src/providers/database/sql-quoting.js';
import { importProductApp } from '../testenv/src/index.js';
import { clusterRanges } from '../testenv/src/network.js';
import { requestedNode } from '../testenv/src/node/support.js';
import { repoRoot } from '../testenv/src/paths.js';
import { eventually } from '../testenv/src/poll.js';
import { freePort } from '../testenv/src/processes.js';
import { findBinaries } from '../testenv/src/binaries.js';
import { demoSigningKey } from './demo-signing-key.js';
import { installBulkhead, operatorNamespace, terminate, type InstalledPlatform } from './installed-platform.js';

const bulkhead = join(repoRoot, 'operator/bin/bulkhead.js');
/** The product chart's versions in the platform's chart repository: the example plans' and the example rollout's. */
export const appVersions = ['1.4.2', '1.5.0'];

export interface LocalPlatformOptions {
  /** Where the environment and the platform's files live (`.bulkhead` for the demo). */
  stateDir: string;
  /** NODE: real, kwok or auto (the default: a real node where this machine can run one, else KWOK). */
  node?: string;
  /** Run the operator and the API as processes here even on a real node (default: installed with helm there). */
  processes?: boolean;
  /** Seconds before the operator's first isolation audit, and between audits. */
  audit: { initialDelaySeconds: number; intervalSeconds: number };
}

export interface LocalPlatform {
  env: Environment;
  kubectl: (...args: string[]) => string;
  operatorConfig: string;
  /** The operator's log file, or the command that shows it when it runs in the cluster. */
  operatorLog: string;
  /** Whether the operator and the API run as pods installed with helm (a real node), not as local processes. */
  installed: boolean;
  /** The helm installation, when installed: its image and the settings an upgrade reuses. */
  installation?: InstalledPlatform;
  api: { url: string };
  tokens: { admin: string; sales: string; auditor: string };
  /** The public half of the key the operator signs audit reports with. */
  auditPublicKey: string;
  /** KEY=value lines a shell can source: KUBECONFIG, BULKHEAD_API_URL, tokens, BULKHEAD_CONFIG, ... */
  environmentVariables: Record<string, string>;
  stop: () => Promise<void>;
}

export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  const { stateDir } = options;
  const existing = readEnvironment(stateDir);
  const env = existing && isRunning(existing) ? existing : await startEnvironment(stateDir, { node: requestedNode(options.node, 'auto') });
  // A real node pulls nothing: the product's image is built here, under every version the chart has.
  importProductApp(env, appVersions);
  const kubectl = (...args: string[]): string =>
    execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  await installCrds(env);
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'hack/demo/namespace.yaml'));
  const auditPublicKey = createSigningKey(env, kubectl, stateDir);
  const config = platformConfig(env, kubectl, options);
  const operatorConfig = writeOperatorConfig(config, options);
  await eventually(
    'the example TenantPlans to be applied',
    () => (kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds/examples/plans')), true),
  );
  const trailUrl = await createAuditTrailDatabase(env);
  const installation =
    env.network.node === 'real' && !options.processes
      ? await installBulkhead(env, kubectl, { operatorConfig: config.shared, chartsDir: config.chartsDir, stateDir, trailUrl })
      : undefined;
  const running = installation ?? (await startProcesses(env, operatorConfig, trailUrl));
  const tokens = {
    admin: mintToken(env, 'platform-admin'),
    sales: mintToken(env, 'sales-ops'),
    auditor: mintToken(env, 'auditor'),
  };
  const stop = async (): Promise<void> => {
    await running.stop();
    await stopEnvironment(env);
  };
  return {
    env,
    kubectl,
    operatorConfig,
    operatorLog: running.logs,
    installed: installation !== undefined,
    ...(installation ? { installation } : {}),
    api: { url: running.apiUrl },
    tokens,
    auditPublicKey,
    stop,
    environmentVariables: {
      KUBECONFIG: env.kubeconfig,
      BULKHEAD_CONFIG: operatorConfig,
      BULKHEAD_API_URL: running.apiUrl,
      BULKHEAD_API_TOKEN: tokens.admin,
      BULKHEAD_SALES_TOKEN: tokens.sales,
      BULKHEAD_AUDITOR_TOKEN: tokens.auditor,
      BULKHEAD_AUDIT_PUBLIC_KEY: auditPublicKey,
      // So that `bulkhead audit-trail verify` works from a shell that sources demo.env.
      BULKHEAD_AUDIT_TRAIL_URL: trailUrl,
    },
  };
}

/** The operator and the API as processes of this machine (KWOK, or NODE=real with processes: true): `make run` and `make run-api` as the demo starts them. */
async function startProcesses(
  env: Environment,
  operatorConfig: string,
  trailUrl: string,
): Promise<{ apiUrl: string; logs: string; stop: () => Promise<void> }> {
  const operatorLog = join(env.dir, 'run', 'logs', 'operator.log');
  const operator = spawn(process.execPath, [bulkhead, 'operator'], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig, BULKHEAD_CONFIG: operatorConfig },
    stdio: ['ignore', openSync(operatorLog, 'a'), openSync(operatorLog, 'a')],
  });
  const api = await startApi(env, trailUrl);
  return {
    apiUrl: api.url,
    logs: operatorLog,
    stop: async () => {
      for (const child of [api.child, operator]) await terminate(child);
    },
  };
}

function applySecret(env: Environment, kubectl: (...args: string[]) => string, name: string, values: Record<string, string>): void {
  const literal = Object.entries(values).flatMap(([k, v]) => ['--from-literal', `${k}=${v}`]);
  const manifest = kubectl('create', 'secret', 'generic', name, '-n', operatorNamespace, ...literal, '--dry-run=client', '-o', 'json');
  const file = join(env.dir, 'run', `${name}.json`);
  writeFileSync(file, manifest, { mode: 0o600 });
  kubectl('apply', '--server-side', '-f', file);
}

/** The key the operator signs audit reports with (hack/demo-signing-key.ts): private half in a Secret, public half in a file. */
function createSigningKey(env: Environment, kubectl: (...args: string[]) => string, stateDir: string): string {
  const key = demoSigningKey(stateDir);
  applySecret(env, kubectl, 'bulkhead-audit-signing-key', { 'private.pem': key.privateKeyPem });
  return key.publicKeyFile;
}

interface PlatformConfig {
  /** What the operator needs wherever it runs: regions, encryption, network, audit. */
  shared: Record<string, unknown>;
  /** The packaged product charts (<chart>-<version>.tgz). */
  chartsDir: string;
}

/** The example regions' KMS account on the local emulator, and the static credentials it accepts. */
export const localKms = { accountId: '123456789012', accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** The example plans' regions; both are served by the local PostgreSQL and KMS emulator. */
export const localRegions = ['eu-central-1', 'us-east-1'] as const;

/** Packages the product chart under each version the example plans and rollout name into `dir` (a chart repository). */
export function packageProductCharts(env: Environment, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const version of appVersions) {
    execFileSync(env.helm, ['package', '--version', version, '--app-version', version, '-d', dir, join(repoRoot, 'charts/tenant-app')], {
      stdio: 'ignore',
    });
  }
  return dir;
}

/** What the operator needs here besides its regions and Secrets, wherever and however it is installed. */
export function localOperatorSettings(env: Environment): Record<string, unknown> {
  return {
    encryption: { pendingWindowDays: 7 },
    // Tenants may serve <name>.tenants.localhost; declared egress never reaches the cluster.
    network: { clusterCIDRs: clusterRanges(env), baseDomain: 'tenants.localhost' },
  };
}

/**
 * The operator's configuration: both example regions on the local PostgreSQL and KMS emulator
 * (reachable from pods on a real node), the product chart's versions 1.4.2 and 1.5.0 packaged into
 * a chart repository, and the Secrets it names.
 */
function platformConfig(env: Environment, kubectl: (...args: string[]) => string, options: LocalPlatformOptions): PlatformConfig {
  applySecret(env, kubectl, 'postgres-admin', { username: env.postgres.user, password: env.postgres.password });
  applySecret(env, kubectl, 'kms-credentials', { accessKeyId: localKms.accessKeyId, secretAccessKey: localKms.secretAccessKey });
  const chartsDir = packageProductCharts(env, join(options.stateDir, 'charts'));
  const region = {
    database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: operatorNamespace, name: 'postgres-admin' } },
    kms: {
      accountId: localKms.accountId,
      endpoint: env.kms.endpoint,
      credentialsSecret: { namespace: operatorNamespace, name: 'kms-credentials' },
    },
  };
  return {
    chartsDir,
    shared: {
      regions: Object.fromEntries(localRegions.map((name) => [name, region])),
      ...localOperatorSettings(env),
      audit: { ...options.audit, signingKeySecret: { namespace: operatorNamespace, name: 'bulkhead-audit-signing-key' } },
    },
  };
}

/** The configuration file for the operator as a process, and for `bulkhead audit` on this machine. */
function writeOperatorConfig(config: PlatformConfig, options: LocalPlatformOptions): string {
  const file = join(options.stateDir, 'operator.yaml');
  writeFileSync(
    file,
    stringify({
      ...config.shared,
      health: { host: '127.0.0.1', port: 0 },
      release: { helm: findBinaries().helm, chartRepository: config.chartsDir },
      database: { snapshotDir: join(options.stateDir, 'snapshots') },
    }),
  );
  return file;
}

function mintToken(env: Environment, role: string): string {
  const output = execFileSync(process.execPath, [bulkhead, 'token', 'create', '--role', role, '--name', `local-${role}-${Date.now()}`], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return output.trim().split('\n').pop() ?? '';
}

/**
 * The API's audit trail, set up as docs/api.md tells a platform engineer to: a database and a
 * login role with INSERT and SELECT only; the table created by its owner with `audit-trail init`.
 */
export async function createAuditTrailDatabase(env: Environment): Promise<string> {
  const { host, port, user, password } = env.postgres;
  const url = (login: string, secret: string, database: string): string =>
    `postgres://${encodeURIComponent(login)}:${encodeURIComponent(secret)}@${host}:${port}/${database}`;
  const apiPassword = randomBytes(18).toString('base64url');
  const admin = new pg.Client({ connectionString: url(user, password, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'bulkhead_api_audit'");
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE bulkhead_api_audit');
    const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = 'bulkhead_api'");
    await admin.query(`${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE bulkhead_api LOGIN PASSWORD ${quoteLiteral(apiPassword)}`);
  } finally {
    await admin.end();
  }
  execFileSync(process.execPath, [bulkhead, 'audit-trail', 'init', '--grant', 'bulkhead_api'], {
    env: { ...process.env, BULKHEAD_AUDIT_TRAIL_URL: url(user, password, 'bulkhead_api_audit') },
    stdio: 'ignore',
  });
  return url('bulkhead_api', apiPassword, 'bulkhead_api_audit');
}

/** Starts `bulkhead api` on a free loopback port. */
async function startApi(env: Environment, trailUrl: string): Promise<{ child: ChildProcess; url: string; log: string }> {
  const port = await freePort();
  const log = join(env.dir, 'run', 'logs', 'api.log');
  const child = spawn(process.execPath, [bulkhead, 'api'], {
    env: {
      ...process.env,
      KUBECONFIG: env.kubeconfig,
      BULKHEAD_API_HOST: '127.0.0.1',
      BULKHEAD_API_PORT: String(port),
      BULKHEAD_API_METRICS_PORT: '0',
      BULKHEAD_AUDIT_TRAIL_URL: trailUrl,
    },
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, url, log };
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  throw new Error(`the onboarding API did not start; see ${log}`);
}
