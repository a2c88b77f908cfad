/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and KWOK with one fake node, so that namespaces finish deleting, garbage
 * collection and service accounts work, and Deployments' pods become Running and Ready without
 * any container runtime. Flags follow controller-runtime's envtest (pkg/internal/testing/controlplane).
 * With a real node (node/) there is no KWOK, and kube-apiserver listens on the host's address on
 * the pod network instead of 127.0.0.1, so that pods reach it through the `kubernetes` Service.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { generateCertificates, type ClientCertificate, type ClusterCertificates } from './certs.js';
import { insecureHealthCheck, kubeRequest, type KubeTarget } from './kube-request.js';
import { writeKubeconfig } from './kubeconfig.js';
import type { NodeKind } from './network.js';
import { kubernetesServiceIP, podCIDR, serviceCIDR } from './node/addresses.js';
import { freePort, startProcess, waitUntil, type ManagedProcess } from './processes.js';

export interface ControlPlane {
  server: string;
  kubeconfig: string;
  certificates: ClusterCertificates;
  processes: ManagedProcess[];
}

/** The name of the fake node KWOK manages. */
export const fakeNodeName = 'kwok-node-0';
const kwokAnnotation = 'kwok.x-k8s.io/node';

export interface ControlPlaneOptions {
  node: NodeKind;
  /** Where kube-apiserver listens and what it advertises: 127.0.0.1 with KWOK. */
  apiServerAddress: string;
  /**
   * etcd and kube-apiserver only: no controllers, scheduler nor node. Enough for a cluster that
   * only stores objects (a second cell in cells.ts), at a fraction of the CPU.
   */
  apiOnly?: boolean;
  /**
   * The list each started process joins as soon as it is spawned (default a new one): a caller
   * stopped while the control plane is still starting (Ctrl-C in a bench) can stop what is up.
   */
  processes?: ManagedProcess[];
}

/** What each component's start function needs; `server` and `admin` are set once the API server is up. */
interface Launch {
  options: ControlPlaneOptions;
  bin: Binaries;
  certs: ClusterCertificates;
  dir: string;
  processes: ManagedProcess[];
  server: string;
  admin: KubeTarget;
}

export async function startControlPlane(
  bin: Binaries,
  dir: string,
  kubeconfig: string,
  options: ControlPlaneOptions = { node: 'kwok', apiServerAddress: '127.0.0.1' },
): Promise<ControlPlane> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const certs = generateCertificates(join(dir, 'pki'), options.apiServerAddress, kubernetesServiceIP);
  const admin = { server: '', caCert: certs.caCert, client: certs.clients.admin };
  const launch: Launch = { options, bin, certs, dir, processes: options.processes ?? [], server: '', admin };
  try {
    const etcdUrl = await startEtcd(launch);
    launch.server = await startApiServer(launch, etcdUrl);
    launch.admin.server = launch.server;
    writeKubeconfig(kubeconfig, { server: launch.server, caCert: certs.caCert, user: 'admin', client: certs.clients.admin });
    if (!options.apiOnly) {
      const fakeNode = options.node === 'kwok' ? [startKwok(launch)] : [];
      await allStarted([startControllerManager(launch), startScheduler(launch), ...fakeNode]);
    }
    return { server: launch.server, kubeconfig, certificates: certs, processes: launch.processes };
  } catch (error) {
    (error as { processes?: ManagedProcess[] }).processes = launch.processes;
    throw error;
  }
}

/**
 * Waits for every start, then fails with the first failure: Promise.all would fail while the
 * others still start, and their processes would join the list after the caller stopped it.
 */
export async function allStarted<T>(starts: Promise<T>[]): Promise<T[]> {
  const outcomes = await Promise.allSettled(starts);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

const logFile = (launch: Launch, name: string): string => join(launch.dir, 'logs', `${name}.log`);

async function startEtcd(launch: Launch): Promise<string> {
  const { bin, dir, processes } = launch;
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const etcd = startProcess({
    name: 'etcd',
    command: bin.etcd,
    log: logFile(launch, 'etcd'),
    args: [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
  });
  processes.push(etcd);
  await waitUntil(etcd, 'etcd to be healthy', async () => {
    const response = await fetch(`${url}/health`);
    return response.ok && ((await response.json()) as { health?: string }).health === 'true';
  });
  return url;
}

/** The audit log of requests made by identities in auditedServiceAccountNamespace (run/logs/audit.log). */
export const auditLogName = 'audit.log';
/** Whose requests are audited: the ServiceAccounts of Bulkhead's own namespace, i.e. the chart's identities. */
export const auditedServiceAccountNamespace = 'bulkhead-system';

/**
 * An audit policy at Metadata level (who did what to which object, and the answer; no bodies,
 * so no Secret data) for Bulkhead's ServiceAccounts only: the RBAC specs prove from it that every
 * rule of the chart's roles was used. Everyone else's requests are not recorded.
 */
function writeAuditPolicy(dir: string): string {
  const path = join(dir, 'audit-policy.yaml');
  writeFileSync(
    path,
    [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived]',
      'rules:',
      '  - level: Metadata',
      `    userGroups: ["system:serviceaccounts:${auditedServiceAccountNamespace}"]`,
      '  - level: None',
      '',
    ].join('\n'),
  );
  return path;
}

/**
 * With KWOK the endpoint reconciler is off: it would publish 127.0.0.1 for the `kubernetes`
 * Service, which Endpoints validation refuses, and nothing needs that Service's endpoints.
 * With a real node it publishes the pod-network address, and the API server reaches kubelets
 * with its own client certificate and checks theirs against the cluster CA.
 */
function nodeFlags(launch: Launch): string[] {
  if (launch.options.node === 'kwok') return ['--endpoint-reconciler-type=none'];
  const client = launch.certs.clients.apiserverKubeletClient;
  return [
    `--kubelet-client-certificate=${client.cert}`,
    `--kubelet-client-key=${client.key}`,
    `--kubelet-certificate-authority=${launch.certs.caCert}`,
    '--kubelet-preferred-address-types=InternalIP',
  ];
}

async function startApiServer(launch: Launch, etcdUrl: string): Promise<string> {
  const { bin, certs, dir, processes } = launch;
  const address = launch.options.apiServerAddress;
  const port = await freePort();
  const auditPolicy = writeAuditPolicy(dir);
  const server = `https://${address}:${port}`;
  const apiserver = startProcess({
    name: 'kube-apiserver',
    command: bin['kube-apiserver'],
    log: logFile(launch, 'kube-apiserver'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${address}`,
      `--advertise-address=${address}`,
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${certs.serving.cert}`,
      `--tls-private-key-file=${certs.serving.key}`,
      `--client-ca-file=${certs.caCert}`,
      // About 4,000 Services (every tenant's app has one; make bench SIZES=1000), in the test range.
      `--service-cluster-ip-range=${serviceCIDR}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      // Privileged pods are allowed by the server so that Pod Security admission, which is what
      // tenants rely on, is the thing that refuses them.
      '--allow-privileged=true',
      ...nodeFlags(launch),
      '--profiling=false',
      `--audit-policy-file=${auditPolicy}`,
      `--audit-log-path=${join(dir, 'logs', auditLogName)}`,
      '--audit-log-format=json',
      // Blocking: an event is on disk before the response is sent, so a spec reads it at once.
      '--audit-log-mode=blocking',
    ],
  });
  processes.push(apiserver);
  const target: KubeTarget = { server, caCert: certs.caCert, client: certs.clients.admin };
  await waitUntil(
    apiserver,
    'kube-apiserver to be ready',
    async () => (await kubeRequest(target, 'GET', '/readyz')).status === 200,
    120_000,
  );
  return server;
}

function componentKubeconfig(launch: Launch, name: string, client: ClientCertificate): string {
  const path = join(launch.dir, `${name}.kubeconfig`);
  writeKubeconfig(path, { server: launch.server, caCert: launch.certs.caCert, user: name, client });
  return path;
}

/**
 * What kube-controller-manager and kube-scheduler share: one client certificate for talking to
 * kube-apiserver and for checking their own callers, a self-signed serving certificate on a free
 * loopback port, and no leader election (one of each).
 */
async function componentFlags(launch: Launch, name: string, client: ClientCertificate): Promise<{ port: number; flags: string[] }> {
  const kubeconfig = componentKubeconfig(launch, name, client);
  const port = await freePort();
  return {
    port,
    flags: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(launch.dir, `${name}-certs`)}`,
      '--leader-elect=false',
    ],
  };
}

async function startControllerManager(launch: Launch): Promise<void> {
  const { bin, certs, processes } = launch;
  const { flags } = await componentFlags(launch, 'kube-controller-manager', certs.clients.controllerManager);
  const manager = startProcess({
    name: 'kube-controller-manager',
    command: bin['kube-controller-manager'],
    log: logFile(launch, 'kube-controller-manager'),
    args: [
      ...flags,
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      `--root-ca-file=${certs.caCert}`,
      '--use-service-account-credentials=true',
      `--cluster-signing-cert-file=${certs.caCert}`,
      `--cluster-signing-key-file=${certs.caKey}`,
    ],
  });
  processes.push(manager);
  // Ready once its service-account controller has given the default namespace its account.
  await waitUntil(
    manager,
    'the default ServiceAccount to exist',
    async () => (await kubeRequest(launch.admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    120_000,
  );
}

async function startScheduler(launch: Launch): Promise<void> {
  const { bin, certs, processes } = launch;
  const { port, flags } = await componentFlags(launch, 'kube-scheduler', certs.clients.scheduler);
  const scheduler = startProcess({
    name: 'kube-scheduler',
    command: bin['kube-scheduler'],
    log: logFile(launch, 'kube-scheduler'),
    args: flags,
  });
  processes.push(scheduler);
  await waitUntil(scheduler, 'kube-scheduler to be healthy', () => insecureHealthCheck(`https://127.0.0.1:${port}/healthz`));
}

async function startKwok(launch: Launch): Promise<void> {
  const { bin, certs, processes } = launch;
  const kubeconfig = componentKubeconfig(launch, 'kwok', certs.clients.kwok);
  const kwok = startProcess({
    name: 'kwok',
    command: bin.kwok,
    log: logFile(launch, 'kwok'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      // Our stages only, so a user's ~/.kwok/kwok.yaml stays out.
      `--config=${bin.kwokStages}`,
      `--manage-nodes-with-annotation-selector=${kwokAnnotation}=fake`,
      // Pod addresses are fictitious and never dialled (there is no kube-proxy and nothing here
      // proxies to pods). Loopback pod IPs would be refused in EndpointSlices, so use the pod range.
      `--cidr=${podCIDR}`,
      // The node's address is what kube-apiserver would dial for logs or exec: keep it on loopback.
      '--node-ip=127.0.0.1',
      // Renew node leases like a kubelet, so the node lifecycle controller never marks it unreachable.
      '--node-lease-duration-seconds=40',
    ],
  });
  processes.push(kwok);
  await createFakeNode(launch.admin);
  await waitUntil(kwok, `node ${fakeNodeName} to be Ready`, async () => {
    const response = await kubeRequest(launch.admin, 'GET', `/api/v1/nodes/${fakeNodeName}`);
    const node = JSON.parse(response.body) as { status?: { conditions?: { type: string; status: string }[] } };
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
}

async function createFakeNode(target: KubeTarget): Promise<void> {
  const capacity = { cpu: '64', memory: '512Gi', pods: '5000', 'ephemeral-storage': '1Ti' };
  const response = await kubeRequest(target, 'POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName,
      annotations: { [kwokAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': fakeNodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    status: { capacity, allocatable: capacity },
  });
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`creating node ${fakeNodeName}: HTTP ${response.status} ${response.body}`);
  }
}
