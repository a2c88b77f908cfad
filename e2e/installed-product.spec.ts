/**
 * Bulkhead as a platform engineer installs it: the chart installed with helm onto the real node
 * from the image built here, the operator (two replicas, one leader) and the API as pods under Pod
 * Security restricted. Another pod takes the lead when the leader pod is killed while a tenant is
 * onboarding; `helm upgrade` to a second image version rolls the operator without two leaders
 * acting at once; `helm rollback` returns; `helm uninstall` leaves Tenants and their data alone, and
 * installing again picks them up. The platform is installed as it was at the end, for the journeys.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { parse } from 'yaml';
import { deployments, helmInstall, operatorNamespace, releaseName, rolledOut } from '../hack/installed-platform.js';
import type { LocalPlatform } from '../hack/local-platform.js';
import { OnboardingApi } from './support/api.js';
import { conditionOf, kube, readTenant, secretData, type Kube } from './support/kube.js';
import { localPlatform } from './support/local.js';
import { eventually, platform } from './support/platform.js';

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: {
    serviceAccountName?: string;
    containers: { image: string; securityContext?: { readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean } }[];
  };
  status?: { phase?: string; containerStatuses?: { containerID?: string; ready?: boolean }[] };
}

const run = randomBytes(2)
  .toString('hex')
  .replace(/^[0-9]/, 'i');
const tenantName = `${run}-installed`;

/** One operator pod's time as leader, read from its log. */
interface Leadership {
  pod: string;
  from: number;
  to: number;
}

/**
 * Follows the logs of every operator pod that appears, from its start, for as long as it lives:
 * each pod's "Acquired leader lease" and "Released leader lease" (or its last line, if it died
 * leading) bound the time it acted as leader.
 */
class LeaderLogs {
  private readonly logs = new Map<string, string>();
  private readonly followers: ChildProcess[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly local: LocalPlatform) {}

  start(): void {
    this.timer = setInterval(() => this.followNew(), 500);
    this.followNew();
  }

  private followNew(): void {
    for (const pod of operatorPods(this.local)) {
      if (this.logs.has(pod.metadata.name) || !pod.status?.containerStatuses?.[0]?.containerID) continue;
      this.logs.set(pod.metadata.name, '');
      const child = spawn(
        this.local.env.kubectl,
        ['--kubeconfig', this.local.env.kubeconfig, 'logs', '-f', '-n', operatorNamespace, pod.metadata.name],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      child.stdout.on('data', (chunk: Buffer) =>
        this.logs.set(pod.metadata.name, `${this.logs.get(pod.metadata.name)}${chunk.toString('utf8')}`),
      );
      this.followers.push(child);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const child of this.followers) child.kill('SIGTERM');
  }

  /** Each followed pod's time as leader so far, earliest first. */
  spans(): Leadership[] {
    const spans: Leadership[] = [];
    for (const [pod, text] of this.logs) {
      const lines = text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { message: string; timestamp: string });
      const at = (line: { timestamp: string }) => Date.parse(line.timestamp);
      const acquired = lines.find((line) => line.message === 'Acquired leader lease');
      if (!acquired) continue;
      const released = lines.find((line) => line.message === 'Released leader lease' || line.message === 'Leader lease lost');
      spans.push({ pod, from: at(acquired), to: released ? at(released) : at(lines.at(-1)!) });
    }
    return spans.sort((a, b) => a.from - b.from);
  }
}

function operatorPods(local: LocalPlatform): Pod[] {
  const list = JSON.parse(
    local.kubectl('get', 'pods', '-n', operatorNamespace, '-l', 'app.kubernetes.io/component=operator', '-o', 'json'),
  ) as { items: Pod[] };
  return list.items.filter((pod) => !pod.metadata.deletionTimestamp);
}

function leaseHolder(local: LocalPlatform): string {
  const lease = JSON.parse(local.kubectl('get', 'lease', 'bulkhead-operator', '-n', operatorNamespace, '-o', 'json')) as {
    spec: { holderIdentity?: string };
  };
  return lease.spec.holderIdentity ?? '';
}

/** The pod whose process holds the lease (its identity starts with the pod's hostname, which is its name). */
function leaderPod(local: LocalPlatform): string | undefined {
  const holder = leaseHolder(local);
  return operatorPods(local).find((pod) => holder.startsWith(`${pod.metadata.name}-`))?.metadata.name;
}

function deploymentImages(local: LocalPlatform): string[] {
  return [deployments.operator, deployments.api].map((name) =>
    local.kubectl('get', 'deployment', name, '-n', operatorNamespace, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
  );
}

describe('Bulkhead installed with helm on the real node', function () {
  this.timeout(600_000);
  let local: LocalPlatform;
  let k: Kube;
  let admin: OnboardingApi;

  before(function () {
    const found = localPlatform();
    // These journeys change the installation itself (kill its pods, upgrade, uninstall), so they
    // run only against the platform this run installed with helm on a real node: not on KWOK,
    // where the operator runs as a process, and not on someone else's cluster.
    if (!found?.installation) this.skip();
    local = found;
    const p = platform();
    k = kube(p.kubeconfig);
    admin = new OnboardingApi(p.apiUrl, p.adminToken);
  });

  /**
   * The API through the platform's port-forward, which follows the API's pods as they are replaced
   * (a new forward within seconds): asked until it answers for this spec's tenant.
   */
  const apiAnswers = (what: string) =>
    eventually(what, async () => {
      try {
        return (await admin.get(`/v1/tenants/${tenantName}`)).status === 200 || undefined;
      } catch {
        return undefined; // the forward to a pod that is gone closes the connection
      }
    });

  after(async function () {
    if (!local) return;
    // Any answer will do here, 404 included: a test that failed before onboarding the tenant
    // must not leave this hook waiting for a tenant that was never made.
    await eventually("the onboarding API to answer, to delete the spec's tenant", async () => {
      try {
        return (await admin.get(`/v1/tenants/${tenantName}`)).status < 500 || undefined;
      } catch {
        return undefined;
      }
    });
    await admin.call('DELETE', `/v1/tenants/${tenantName}?confirmDeletionPolicy=Retain`);
  });

  it('runs the operator (two replicas, one leader) and the API as real pods of the image built here, under Pod Security restricted', async function () {
    const namespace = JSON.parse(local.kubectl('get', 'namespace', operatorNamespace, '-o', 'json')) as {
      metadata: { labels: Record<string, string> };
    };
    assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    const image = local.installation!.image.name;
    assert.deepEqual(deploymentImages(local), [image, image]);
    const pods = operatorPods(local);
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.equal(pod.status?.phase, 'Running');
      assert.match(pod.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
      assert.equal(pod.spec.serviceAccountName, 'bulkhead-operator');
      assert.equal(pod.spec.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
    }
    assert.ok(await eventually('one operator pod to lead', () => Promise.resolve(leaderPod(local))));
    assert.equal((await admin.get('/v1/tenants')).status, 200);
  });

  it('hands the lead to another pod when the leader pod is killed while a tenant is onboarding', async function () {
    const leader = leaderPod(local)!;
    const reply = await admin.call('POST', '/v1/tenants', {
      name: tenantName,
      displayName: 'Installed product',
      plan: 'standard',
      region: 'eu-central-1',
      owners: [{ kind: 'Group', name: `${tenantName}-admins` }],
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    // No grace: the process dies mid-reconcile, without releasing the lease.
    local.kubectl('delete', 'pod', leader, '-n', operatorNamespace, '--grace-period=0', '--force', '--wait=false');
    // The standby campaigns every retry period and takes the lease once it expires; the pod the
    // ReplicaSet starts in the killed one's place campaigns too and may win that race. Either way
    // the lead passes to a live pod other than the killed one, without the killed one releasing it.
    await eventually(
      'another operator pod to take the lease',
      () => {
        const holder = leaseHolder(local);
        const next = leaderPod(local);
        if (next && next !== leader) return Promise.resolve(next);
        throw new Error(
          `the Lease names ${holder || 'no one'}; live operator pods: ${operatorPods(local)
            .map((pod) => pod.metadata.name)
            .join(', ')}`,
        );
      },
      120_000,
    );
    const ready = await eventually(
      `tenant ${tenantName} to be Ready`,
      async () => {
        const tenant = await readTenant(k, tenantName);
        return conditionOf(tenant, 'Ready')?.status === 'True' ? tenant : undefined;
      },
      240_000,
    );
    // Nothing made twice across the two leaders: one database, one role, one key alias.
    const config = parse(readFileSync(local.operatorConfig, 'utf8')) as {
      regions: Record<string, { database: { host: string; port: number; adminSecret: { namespace: string; name: string } } }>;
    };
    const database = config.regions['eu-central-1']!.database;
    const login = await secretData(k, database.adminSecret.namespace, database.adminSecret.name);
    const client = new pg.Client({
      host: database.host,
      port: database.port,
      user: login.username,
      password: login.password,
      database: 'postgres',
    });
    await client.connect();
    try {
      const found = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_database WHERE datname = $1', [
        ready.status?.database?.name,
      ]);
      assert.equal(found.rows[0]?.n, '1');
    } finally {
      await client.end();
    }
    await rolledOut(local.kubectl, [deployments.operator]);
  });

  it('rolls the operator to a second image version with helm upgrade, never with two leaders at once', async function () {
    const installation = local.installation!;
    const logs = new LeaderLogs(local);
    logs.start();
    const next = helmInstall(local.env, installation.settings, 'local-next');
    await rolledOut(local.kubectl, [deployments.operator, deployments.api]);
    assert.deepEqual(deploymentImages(local), [next.name, next.name]);
    const leader = await eventually('a pod of the new version to lead', () => Promise.resolve(leaderPod(local)));
    // The Lease can name the new leader before its log line has come through kubectl logs -f.
    const spans = await eventually(
      `${leader}'s log to say it acquired the lease`,
      () => Promise.resolve(logs.spans().some((span) => span.pod === leader) ? logs.spans() : undefined),
      60_000,
    );
    logs.stop();
    assert.ok(spans.length >= 2, `the lead passed from an old pod to a new one: ${JSON.stringify(spans)}`);
    for (const [earlier, later] of spans.slice(0, -1).map((span, index) => [span, spans[index + 1]!] as const)) {
      assert.ok(
        earlier.to <= later.from,
        `${earlier.pod} led until ${new Date(earlier.to).toISOString()}, ${later.pod} from ${new Date(later.from).toISOString()}`,
      );
    }
    await apiAnswers('the onboarding API to answer after the upgrade');
  });

  it('returns to the first version with helm rollback', async function () {
    // No revision: the one before the upgrade.
    runHelm(local, 'rollback', releaseName, '--wait', '--timeout', '4m');
    await rolledOut(local.kubectl, [deployments.operator, deployments.api]);
    const image = local.installation!.image.name;
    assert.deepEqual(deploymentImages(local), [image, image]);
    await eventually('an operator pod to lead after the rollback', () => Promise.resolve(leaderPod(local)));
    await apiAnswers('the onboarding API to answer after the rollback');
  });

  it('leaves Tenants, their namespaces and their data alone on helm uninstall, and picks them up when installed again', async function () {
    const before = await readTenant(k, tenantName);
    runHelm(local, 'uninstall', releaseName, '--wait', '--timeout', '4m');
    await eventually('the operator pods to be gone', () => Promise.resolve(operatorPods(local).length === 0 || undefined));
    const after = await readTenant(k, tenantName);
    assert.equal(after?.metadata.uid, before?.metadata.uid, 'the Tenant is still there');
    const namespace = before!.status!.namespace!;
    const policies = JSON.parse(local.kubectl('get', 'networkpolicies', '-n', namespace, '-o', 'json')) as {
      items: { metadata: { name: string } }[];
    };
    assert.ok(policies.items.length > 0, 'its NetworkPolicies stay');
    const credentials = await secretData(k, namespace, before!.status!.database!.secretName!);
    const tenantLogin = new pg.Client({
      host: credentials.host,
      port: Number(credentials.port),
      user: credentials.username,
      password: credentials.password,
      database: credentials.database,
    });
    await tenantLogin.connect();
    await tenantLogin.end();
    // With no operator, nothing puts back what is deleted; the next installation must.
    const removed = policies.items[0]!.metadata.name;
    local.kubectl('delete', 'networkpolicy', removed, '-n', namespace);

    helmInstall(local.env, local.installation!.settings, 'local', local.installation!.image);
    await rolledOut(local.kubectl, [deployments.operator, deployments.api]);
    await apiAnswers('the onboarding API to answer after installing again');
    await eventually(
      `NetworkPolicy ${namespace}/${removed} to be restored by the new installation`,
      () => Promise.resolve(local.kubectl('get', 'networkpolicies', '-n', namespace, '-o', 'name').includes(`/${removed}\n`) || undefined),
      240_000,
    );
    const again = await eventually(`tenant ${tenantName} to be Ready under the new installation`, async () => {
      const tenant = await readTenant(k, tenantName);
      return conditionOf(tenant, 'Ready')?.status === 'True' ? tenant : undefined;
    });
    assert.equal(again.status?.database?.name, before?.status?.database?.name);
  });
});

function runHelm(local: LocalPlatform, ...args: string[]): void {
  const result = spawnSync(local.env.helm, [...args, '--namespace', operatorNamespace, '--kubeconfig', local.env.kubeconfig], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `helm ${args.join(' ')}: ${result.stdout}${result.stderr}`);
}
