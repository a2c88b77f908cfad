/**
 * make demo: Bulkhead on this machine (hack/local-platform.ts: the local environment, the
 * operator, the onboarding API), two example customers onboarded through the API with their
 * conditions printed as they turn True, then the isolation audit's summary and report. Once both
 * are Ready and audited it writes .bulkhead/demo.env (KEY=value lines) and waits for Ctrl-C; with
 * ONCE=1 it stops everything and exits 0 instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { repoRoot, stateDir } from '../testenv/src/paths.js';
import { eventually } from '../testenv/src/poll.js';
import { startNewChainIfUnverifiable } from './demo-signing-key.js';
import { startLocalPlatform, type LocalPlatform } from './local-platform.js';

const tenants = ['acme', 'globex'];
const once = process.env.ONCE === '1';

interface Condition {
  type: string;
  status: string;
  reason: string;
}

async function main(): Promise<void> {
  const started = Date.now();
  const platform = await startLocalPlatform({
    stateDir,
    audit: { initialDelaySeconds: 10, intervalSeconds: 300 },
    node: process.env.BULKHEAD_NODE_REQUEST,
  });
  const stopOnSignal = (): void => {
    console.log('\nStopping everything...');
    platform.stop().then(
      () => process.exit(130),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stopOnSignal);
  const node =
    platform.env.network.node === 'real' ? 'a real node (containerd, kubelet, kube-router)' : "KWOK's fake node (pods do not really run)";
  console.log(
    `Local platform up in ${((Date.now() - started) / 1000).toFixed(1)}s on ${node}: operator (logs: ${platform.operatorLog}), onboarding API on ${platform.api.url}`,
  );
  if (platform.installed) printInstalled(platform);

  console.log(`\nOnboarding ${tenants.join(' and ')} through the API (POST /v1/tenants, as a platform admin):`);
  for (const name of tenants) await onboard(platform, name);
  console.log('Waiting for them to become Ready:');
  await watchConditions(platform.kubectl);
  printDataSummary(platform.kubectl);
  await printAppPods(platform);
  if (platform.installed) printMemory(platform);

  const probing = platform.env.network.node === 'real' ? ' and probes on the wire' : '';
  console.log(`\nAuditing isolation (bulkhead audit: network, access, guardrails, databases, keys${probing}):`);
  const reportDir = join(stateDir, 'audit');
  const restarted = startNewChainIfUnverifiable(reportDir, platform.auditPublicKey);
  if (restarted)
    console.log(
      `  Started a new report chain: this demo's key cannot verify ${restarted.reason}; the old reports are in ${restarted.movedTo}`,
    );
  const audit = runAudit(platform, reportDir);
  process.stdout.write(
    audit.summary
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  const newest =
    readdirSync(reportDir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .at(-1) ?? '';
  console.log(`\n  Signed report: ${join(reportDir, newest)}`);
  console.log(`  HTML report:   ${join(reportDir, newest.replace(/\.json$/, '.html'))}`);
  console.log(`  Verify it:     npx bulkhead audit verify ${join(reportDir, newest)} --public-key ${platform.auditPublicKey}`);

  const envFile = join(stateDir, 'demo.env');
  writeFileSync(
    envFile,
    Object.entries(platform.environmentVariables)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
    { mode: 0o600 },
  );
  printExplore(platform, envFile);
  if (once) {
    process.removeListener('SIGINT', stopOnSignal);
    await platform.stop();
    console.log('ONCE=1: stopped everything.');
    return;
  }
  console.log('\nPress Ctrl-C to stop everything.');
  await new Promise<void>(() => undefined);
}

/** The example manifest's spec, as a create request to the API. */
async function onboard(platform: LocalPlatform, name: string): Promise<void> {
  const manifest = parse(readFileSync(join(repoRoot, `crds/examples/tenants/${name}.yaml`), 'utf8')) as { spec: Record<string, unknown> };
  const { suspended: _suspended, ...spec } = manifest.spec;
  const response = await fetch(`${platform.api.url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.tokens.admin}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ name, ...spec }),
  });
  const body = await response.text();
  // 409: it exists already (a demo run against an environment that is still up).
  if (response.status !== 202 && response.status !== 409) throw new Error(`POST /v1/tenants ${name}: ${response.status} ${body}`);
  console.log(`  ${name.padEnd(8)} ${response.status} ${response.headers.get('location') ?? ''}`);
}

function runAudit(platform: LocalPlatform, reportDir: string): { summary: string } {
  mkdirSync(reportDir, { recursive: true });
  // On a real node the audit also probes on the wire: its summary then carries the probed matrix.
  const probe = platform.env.network.node === 'real' ? ['--probe'] : [];
  try {
    const summary = execFileSync(
      process.execPath,
      [join(repoRoot, 'operator/bin/bulkhead.js'), 'audit', '--format', 'text', '--report-dir', reportDir, ...probe],
      { env: { ...process.env, ...platform.environmentVariables }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { summary };
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    // Exit 1 means findings: the summary lists them; anything else is a failure of the audit itself.
    if (failed.status === 1 && failed.stdout) return { summary: failed.stdout };
    throw new Error(`bulkhead audit failed: ${failed.stderr ?? String(error)}`);
  }
}

function printExplore(platform: LocalPlatform, envFile: string): void {
  console.log(`\nAll tenants are Ready. Wrote ${envFile}. Explore with:`);
  console.log(`  set -a; source ${envFile}; set +a`);
  console.log(`  alias kubectl=${platform.env.kubectl}   # the kubectl built with the control plane, if you have none`);
  console.log('  kubectl get tenants                                     # READY, REASON, PLAN, REGION, AGE');
  console.log('  kubectl get networkpolicies,resourcequota,limitrange,rolebinding -n tenant-acme');
  console.log(
    '  kubectl describe tenant acme                            # conditions (IsolationVerified after the periodic audit) and Events',
  );
  console.log(`  kubectl get secret acme-database -n tenant-acme -o jsonpath='{.data.uri}' | base64 -d   # acme's own database`);
  console.log('  curl -sS "$BULKHEAD_API_URL/v1/tenants/acme" -H "Authorization: Bearer $BULKHEAD_API_TOKEN"');
  console.log('  curl -sS "$BULKHEAD_API_URL/v1/audit/report" -H "Authorization: Bearer $BULKHEAD_AUDITOR_TOKEN" | head -c 300');
  console.log('  npx bulkhead audit --format text                         # audit again; exit 1 on any finding');
  console.log("  npx bulkhead audit-trail verify                          # the API's hash-chained audit trail");
  console.log('  kubectl apply -f crds/examples/rollouts/fleet-1.5.0.yaml # roll the fleet to app 1.5.0 in waves');
}

interface DeploymentList {
  items: { metadata: { name: string }; spec?: { replicas?: number }; status?: { availableReplicas?: number } }[];
}

/** Bulkhead as installed with helm: its Deployments and their pods' containers. */
function printInstalled(platform: LocalPlatform): void {
  const installation = platform.installation!;
  console.log(`\nBulkhead, installed with helm (charts/bulkhead) from the image make image builds (${installation.image.name}):`);
  console.log(`  all pods available ${installation.availableSeconds.toFixed(1)} s after helm install returned`);
  const deployments = JSON.parse(platform.kubectl('get', 'deployments', '-n', 'bulkhead-system', '-o', 'json')) as DeploymentList;
  for (const deployment of deployments.items) console.log(deploymentLine(deployment));
  const pods = JSON.parse(platform.kubectl('get', 'pods', '-n', 'bulkhead-system', '-o', 'json')) as PodList;
  for (const pod of pods.items) console.log(`  ${podLine(pod)}`);
}

const deploymentLine = (deployment: DeploymentList['items'][number]): string =>
  `  deployment ${deployment.metadata.name.padEnd(18)} ${deployment.status?.availableReplicas ?? 0}/${deployment.spec?.replicas ?? 0} available`;

/** A pod's name, phase and the start of its containerd container id. */
const podLine = (pod: PodList['items'][number]): string =>
  `  ${pod.metadata.name.padEnd(34)} ${pod.status?.phase ?? ''}  ${(pod.status?.containerStatuses?.[0]?.containerID ?? '').slice(0, 26)}…`;

interface StatsSummary {
  pods?: { podRef: { name: string; namespace: string }; memory?: { workingSetBytes?: number } }[];
}

/** Bulkhead's own pods' memory (working set) as the kubelet measures it, with the demo tenants onboarded. */
function printMemory(platform: LocalPlatform): void {
  const nodes = JSON.parse(platform.kubectl('get', 'nodes', '-o', 'json')) as { items: { metadata: { name: string } }[] };
  const stats = nodes.items.flatMap((item) => {
    try {
      return (
        (JSON.parse(platform.kubectl('get', '--raw', `/api/v1/nodes/${item.metadata.name}/proxy/stats/summary`)) as StatsSummary).pods ?? []
      );
    } catch {
      return []; // KWOK's fake nodes have no kubelet to ask
    }
  });
  const ours = stats.filter((pod) => pod.podRef.namespace === 'bulkhead-system' && pod.memory?.workingSetBytes);
  if (ours.length === 0) return;
  console.log("\nMemory of Bulkhead's pods with the demo tenants (working set, from the kubelet):");
  for (const pod of ours)
    console.log(`  ${pod.podRef.name.padEnd(34)} ${((pod.memory!.workingSetBytes ?? 0) / 1024 / 1024).toFixed(1)} MiB`);
}

interface PodList {
  items: { metadata: { name: string }; status?: { phase?: string; containerStatuses?: { ready?: boolean; containerID?: string }[] } }[];
}

/** Each tenant's app pods as the node runs them: phase, readiness and the container runtime's id. */
async function printAppPods(platform: LocalPlatform): Promise<void> {
  console.log(`\nThe app's pods (their readiness is a login to the tenant's database and a KMS round trip with its key):`);
  for (const name of tenants) {
    const pods = await eventually(
      `${name}'s app pods to be Ready`,
      () => {
        const list = JSON.parse(platform.kubectl('get', 'pods', '-n', `tenant-${name}`, '-o', 'json')) as PodList;
        return list.items.length > 0 && list.items.every((pod) => pod.status?.containerStatuses?.every((c) => c.ready)) ? list : undefined;
      },
      120_000,
    );
    for (const pod of pods.items) {
      const container = pod.status?.containerStatuses?.[0]?.containerID ?? '';
      console.log(`  ${name.padEnd(8)} ${pod.metadata.name.padEnd(28)} ${pod.status?.phase ?? ''}  ${container.slice(0, 26)}…`);
    }
  }
}

function printDataSummary(kubectl: (...args: string[]) => string): void {
  console.log('\nWhat each tenant got:');
  for (const name of tenants) {
    const tenant = JSON.parse(kubectl('get', 'tenant', name, '-o', 'json')) as {
      status?: {
        database?: { name?: string; host?: string; port?: number };
        encryption?: { keyId?: string; alias?: string };
        app?: { version?: string };
      };
    };
    const { database, encryption, app } = tenant.status ?? {};
    console.log(
      `  ${name.padEnd(8)} database ${database?.name} on ${database?.host}:${database?.port}, key ${encryption?.alias} (${encryption?.keyId}), app ${app?.version}`,
    );
  }
}

/** Prints each condition the first time it is True, until every tenant is Ready. */
async function watchConditions(kubectl: (...args: string[]) => string): Promise<void> {
  const seen = new Set<string>();
  const started = Date.now();
  for (;;) {
    const list = JSON.parse(kubectl('get', 'tenants', '-o', 'json')) as {
      items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[];
    };
    const trueConditions = list.items.flatMap((tenant) =>
      (tenant.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${tenant.metadata.name}/${c.type}`),
    );
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
