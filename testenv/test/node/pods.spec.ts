/**
 * The real node runs real pods: containerd starts the locally built probe image under Pod
 * Security `restricted`, pods reach each other, Services through kube-proxy, names through
 * CoreDNS, kube-apiserver through the `kubernetes` Service, and PostgreSQL on the platform address.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import {
  deleteNamespace,
  execIn,
  httpGet,
  probePort,
  realNodeCluster,
  restrictedNamespace,
  runProbe,
  serviceProgrammed,
  tcpConnect,
  type Cluster,
} from './support.js';

describe('a real node', function () {
  const namespace = `node-pods-${Date.now().toString(36)}`;
  let cluster: Cluster;
  let server: k8s.V1Pod;
  let service: k8s.V1Service;
  const from = { namespace, pod: 'client' };

  before(async function () {
    cluster = realNodeCluster();
    await restrictedNamespace(cluster, namespace);
    [server] = await Promise.all([runProbe(cluster, namespace, 'server'), runProbe(cluster, namespace, 'client')]);
    service = await cluster.core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'server' }, ports: [{ port: 80, targetPort: probePort }] } },
    });
    await serviceProgrammed(namespace, 'web');
  });

  after(async function () {
    await deleteNamespace(cluster, namespace);
  });

  it('runs a probe pod under Pod Security restricted in a real containerd container', function () {
    const id = /^containerd:\/\/([0-9a-f]{64})$/.exec(server.status?.containerStatuses?.[0]?.containerID ?? '')?.[1];
    assert.ok(id, `not a containerd container id: ${server.status?.containerStatuses?.[0]?.containerID}`);
    const { realNode } = cluster.env;
    const info = execFileSync('ctr', ['--address', realNode?.containerdSocket ?? '', '--namespace', 'k8s.io', 'containers', 'info', id], {
      encoding: 'utf8',
    });
    assert.match(info, /bulkhead\.dev\/probe:local/);
    assert.equal(execIn(cluster.env, namespace, 'server', ['id', '-u']).output, '65532');
  });

  it('connects a pod to another pod by its address', function () {
    assert.equal(httpGet(cluster.env, from, server.status?.podIP ?? '').output, 'probe');
  });

  it('connects a pod to a Service ClusterIP through kube-proxy', function () {
    const clusterIP = service.spec?.clusterIP ?? '';
    assert.ok(clusterIP.startsWith('198.19.'), `ClusterIP ${clusterIP} is outside the Service range`);
    assert.equal(httpGet(cluster.env, from, clusterIP, 80).output, 'probe');
  });

  it('resolves a Service name through CoreDNS and connects to it', function () {
    const lookup = execIn(cluster.env, namespace, 'client', ['nslookup', `web.${namespace}.svc.cluster.local`]);
    assert.equal(lookup.code, 0, lookup.output);
    assert.ok(lookup.output.includes(service.spec?.clusterIP ?? '?'), lookup.output);
    assert.equal(httpGet(cluster.env, from, 'web', 80).output, 'probe');
  });

  it('serves DNS from a CoreDNS pod labelled k8s-app=kube-dns behind the kube-dns Service', async function () {
    const pods = await cluster.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' });
    assert.equal(pods.items.length, 1);
    assert.match(pods.items[0]?.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\//);
    const dns = await cluster.core.readNamespacedService({ namespace: 'kube-system', name: 'kube-dns' });
    assert.equal(dns.spec?.clusterIP, cluster.env.network.dnsServiceIP);
    assert.match(
      execIn(cluster.env, namespace, 'client', ['cat', '/etc/resolv.conf']).output,
      new RegExp(`nameserver ${cluster.env.network.dnsServiceIP}`),
    );
  });

  it('reaches kube-apiserver through the kubernetes Service', function () {
    const result = tcpConnect(cluster.env, from, 'kubernetes.default.svc.cluster.local', 443);
    assert.equal(result.code, 0, result.output);
  });

  it('reaches PostgreSQL and the KMS emulator on the platform address, not the node', function () {
    const { postgres, kms, network } = cluster.env;
    assert.equal(postgres.host, network.platformAddresses[0]);
    assert.ok(!network.nodeAddresses.includes(postgres.host));
    assert.equal(tcpConnect(cluster.env, from, postgres.host, postgres.port).code, 0);
    const kmsUrl = new URL(kms.endpoint);
    assert.equal(tcpConnect(cluster.env, from, kmsUrl.hostname, Number(kmsUrl.port)).code, 0);
  });
});
