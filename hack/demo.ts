/**
 * make demo: the local environment, the operator, the example plans and two example tenants,
 * with their conditions printed as they turn True. Once both are Ready it writes
 * .bulkhead/demo.env (KEY=value lines) and waits for Ctrl-C; with ONCE=1 it stops everything and
 * exits 0 instead.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { isRunning, readEnvironment, startEnvironment, stopEnvironment, type Environment } from '../testenv/src/environment.js';
import { repoRoot, stateDir } from '../testenv/src/paths.js';
import { freePort } from '../testenv/src/processes.js';

const tenants = ['acme', 'globex'];
const once = process.env.ONCE === '1';

interface Condition { type: string; status: string; reason: string }

async function main(): Promise<void> {
  const existing = readEnvironment(stateDir);
  const env = existing && isRunning(existing) ? existing : await startEnvironment(stateDir);
  const kubectl = (...args: string[]): string =>
    execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds'));
  kubectl('wait', '--for=condition=Established', 'crd/tenants.bulkhead.dev', 'crd/tenantplans.bulkhead.dev');
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'hack/demo/namespace.yaml'));
  const configFile = prepareOperator(env, kubectl);

  const log = join(env.dir, 'run', 'logs', 'operator.log');
  const operator = spawn(process.execPath, [join(repoRoot, 'operator/bin/bulkhead.js'), 'operator'], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig, BULKHEAD_CONFIG: configFile }, stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  console.log(`Operator started (pid ${operator.pid}), logs in ${log}`);
  const api = await startApi(env);
  console.log(`Onboarding API on ${api.url} (logs in ${api.log})`);
  const stop = async (): Promise<void> => {
    for (const child of [api.child, operator]) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await stopEnvironment(env);
  };

  await retry(() => kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds/examples/plans')));
  kubectl('apply', '--server-side', ...tenants.flatMap((t) => ['-f', join(repoRoot, `crds/examples/tenants/${t}.yaml`)]));
  console.log(`Applied plans and tenants ${tenants.join(', ')}; waiting for them to become Ready:`);
  await watchConditions(kubectl);

  writeFileSync(join(stateDir, 'demo.env'),
    `KUBECONFIG=${env.kubeconfig}\nBULKHEAD_API_URL=${api.url}\nBULKHEAD_API_TOKEN=${api.token}\n`, { mode: 0o600 });
  console.log(`\nAll tenants are Ready. Wrote ${join(stateDir, 'demo.env')}. Explore with:`);
  console.log(`  export KUBECONFIG=${env.kubeconfig}`);
  console.log(`  alias kubectl=${env.kubectl}   # the kubectl built with the control plane, if you have none`);
  console.log('  kubectl get tenants');
  console.log('  kubectl get networkpolicies,resourcequota,limitrange,rolebinding -n tenant-acme');
  console.log('  kubectl describe tenant acme');
  console.log(`  kubectl get secret acme-database -n tenant-acme -o jsonpath='{.data.uri}' | base64 -d   # acme's own database`);
  console.log('  kubectl get configmap acme-encryption-key -n tenant-acme -o yaml                       # acme\'s own KMS key');
  printDataSummary(kubectl);
  console.log('\nOnboard another customer through the API (as a platform admin; the token is in demo.env):');
  console.log('  source .bulkhead/demo.env');
  console.log(`  curl -sS -X POST "$BULKHEAD_API_URL/v1/tenants" -H "Authorization: Bearer $BULKHEAD_API_TOKEN" \\
    -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%s)" \\
    -d '{"name":"initech","displayName":"Initech","plan":"standard","region":"eu-central-1","owners":[{"kind":"Group","name":"initech-admins"}]}'`);
  console.log('  curl -sS "$BULKHEAD_API_URL/v1/tenants/initech" -H "Authorization: Bearer $BULKHEAD_API_TOKEN"');
  if (once) {
    await stop();
    console.log('ONCE=1: stopped everything.');
    return;
  }
  console.log('\nPress Ctrl-C to stop everything.');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await stop();
}

/**
 * Everything the operator's configuration points at: the admin and KMS credentials Secrets, the
 * product chart packaged into a chart repository, and the configuration file itself. Both example
 * regions use the local PostgreSQL and KMS emulator.
 */
function prepareOperator(env: Environment, kubectl: (...args: string[]) => string): string {
  const secret = (name: string, values: Record<string, string>): void => {
    const literal = Object.entries(values).flatMap(([k, v]) => ['--from-literal', `${k}=${v}`]);
    const manifest = kubectl('create', 'secret', 'generic', name, '-n', 'bulkhead-system', ...literal, '--dry-run=client', '-o', 'json');
    const file = join(env.dir, 'run', `${name}.json`);
    writeFileSync(file, manifest, { mode: 0o600 });
    kubectl('apply', '--server-side', '-f', file);
  };
  secret('postgres-admin', { username: env.postgres.user, password: env.postgres.password });
  secret('kms-credentials', { accessKeyId: 'demo', secretAccessKey: 'demo' });
  const charts = join(stateDir, 'charts');
  mkdirSync(charts, { recursive: true });
  for (const version of ['1.4.2', '1.5.0']) {
    execFileSync(env.helm, ['package', '--version', version, '--app-version', version, '-d', charts, join(repoRoot, 'charts/tenant-app')], { stdio: 'ignore' });
  }
  const region = {
    database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
    kms: { accountId: '123456789012', endpoint: env.kms.endpoint, credentialsSecret: { namespace: 'bulkhead-system', name: 'kms-credentials' } },
  };
  const config = {
    release: { helm: env.helm, chartRepository: charts },
    regions: { 'eu-central-1': region, 'us-east-1': region },
    database: { snapshotDir: join(stateDir, 'snapshots') },
    encryption: { pendingWindowDays: 7 },
  };
  const file = join(stateDir, 'operator.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

function printDataSummary(kubectl: (...args: string[]) => string): void {
  console.log('\nWhat each tenant got:');
  for (const name of tenants) {
    const tenant = JSON.parse(kubectl('get', 'tenant', name, '-o', 'json')) as {
      status?: { database?: { name?: string; host?: string; port?: number }; encryption?: { keyId?: string; alias?: string }; app?: { version?: string } };
    };
    const { database, encryption, app } = tenant.status ?? {};
    console.log(`  ${name.padEnd(8)} database ${database?.name} on ${database?.host}:${database?.port}, key ${encryption?.alias} (${encryption?.keyId}), app ${app?.version}`);
  }
}

/** Starts `bulkhead api` on a free loopback port and mints a platform-admin token for the demo. */
async function startApi(env: Environment): Promise<{ child: ChildProcess; url: string; token: string; log: string }> {
  const bulkhead = join(repoRoot, 'operator/bin/bulkhead.js');
  const childEnv = { ...process.env, KUBECONFIG: env.kubeconfig };
  const token = execFileSync(process.execPath, [bulkhead, 'token', 'create', '--role', 'platform-admin', '--name', `demo-${Date.now()}`],
    { env: childEnv, encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  const port = await freePort();
  const log = join(env.dir, 'run', 'logs', 'api.log');
  const child = spawn(process.execPath, [bulkhead, 'api'], {
    env: { ...childEnv, BULKHEAD_API_HOST: '127.0.0.1', BULKHEAD_API_PORT: String(port) },
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { child, url, token, log };
    await sleep(200);
  }
  throw new Error(`the onboarding API did not start; see ${log}`);
}

async function retry(action: () => unknown, attempts = 30): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      action();
      return;
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(500);
    }
  }
}

/** Prints each condition the first time it is True, until every tenant is Ready. */
async function watchConditions(kubectl: (...args: string[]) => string): Promise<void> {
  const seen = new Set<string>();
  const started = Date.now();
  for (;;) {
    const list = JSON.parse(kubectl('get', 'tenants', '-o', 'json')) as { items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[] };
    const trueConditions = list.items.flatMap((tenant) =>
      (tenant.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${tenant.metadata.name}/${c.type}`));
    for (const key of trueConditions.filter((k) => !seen.has(k))) {
      seen.add(key);
      const [tenant = '', type = ''] = key.split('/');
      console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s  ${tenant.padEnd(8)} ${type}`);
    }
    if (tenants.every((t) => seen.has(`${t}/Ready`))) return;
    if (Date.now() - started > 120_000) throw new Error('tenants did not become Ready within 2 minutes; see the operator log');
    await sleep(250);
  }
}

await main();
