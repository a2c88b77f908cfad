/**
 * @bulkhead/testenv: the real servers Bulkhead is tested against, started on 127.0.0.1 (or, with
 * a real node, on the environment's own network in 198.18.0.0/15: see env.network).
 * Specs call testEnvironment() to reach the one the test run started.
 */
import { join } from 'node:path';
import { auditLogName } from './control-plane.js';
import { readEnvironment, type Environment } from './environment.js';
import { debianPrograms } from './node/binaries.js';
import { importImage } from './node/images/oci-archive.js';
import { buildProductAppImage, productAppRepository, tagImage } from './node/images/product-app.js';

export type { Environment } from './environment.js';
export { pinnedVersions } from './versions.js';
export { issueUserKubeconfig } from './identities.js';
export { eventually } from './poll.js';
export { installCrds } from './crds.js';
export { startCellControlPlane, type CellControlPlane, type CellOptions } from './cells.js';
export { installGatewayApi } from './gateway-api.js';
export { clusterRanges } from './network.js';
export { auditedServiceAccountNamespace } from './control-plane.js';
export type { EnvironmentNetwork, NodeKind } from './network.js';
export type { ExternalHost } from './node/addresses.js';
export { realNodeSupport, requestedNode, type RealNodeSupport } from './node/support.js';
export { packImage, type ImageSpec } from './node/images/oci-archive.js';
export { execIn, httpGet, probeImage, probePort, runProbe, serviceProgrammed, tcpConnect, type ExecResult } from './node/probe-pods.js';
export { productAppRepository } from './node/images/product-app.js';
export { startComponent, stopComponent, type StoppedComponent } from './faults.js';

/** Imports an OCI archive (packImage) into the real node's containerd, where kubelet finds it. */
export function importIntoNode(env: Environment, archive: string): void {
  if (!env.realNode) throw new Error('this environment has no real node (start it with NODE=real)');
  importImage(debianPrograms.ctr[0], env.realNode.containerdSocket, archive);
}

/** Builds the product's image (product-app.ts) and imports it into the real node under every version given. */
export function importProductApp(env: Environment, versions: readonly string[]): void {
  if (!env.realNode || versions.length === 0) return;
  const [first = '', ...rest] = versions;
  const archive = buildProductAppImage(join(env.dir, 'run', 'images'), first);
  importIntoNode(env, archive);
  tagImage(
    debianPrograms.ctr[0],
    env.realNode.containerdSocket,
    `${productAppRepository}:${first}`,
    rest.map((version) => `${productAppRepository}:${version}`),
  );
}

/** kube-apiserver's audit log (JSON lines) of the requests made by Bulkhead's ServiceAccounts. */
export function auditLogPath(env: Environment): string {
  return join(env.dir, 'run', 'logs', auditLogName);
}

/** The environment started by the mocha global setup (or reused with BULKHEAD_REUSE_ENVIRONMENT=1). */
export function testEnvironment(): Environment {
  const dir = process.env.BULKHEAD_TEST_ENVIRONMENT;
  const env = dir ? readEnvironment(dir) : undefined;
  if (!env) throw new Error('no test environment: run the integration suites with .mocharc.integration.cjs');
  return env;
}
export { KmsThrottleProxy, kmsMutatingOperations, type KmsThrottleOptions, type ProxiedRequest } from './kms-throttle-proxy.js';
