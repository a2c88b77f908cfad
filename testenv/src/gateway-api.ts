/**
 * The Gateway API's CustomResourceDefinitions (standard channel), from the sigs.k8s.io/gateway-api
 * module the Go module proxy serves at the pinned version (hack/versions.sh): the real schemas, so
 * that specs can create HTTPRoutes in tenant namespaces and see Bulkhead's admission policy judge
 * their hostnames.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { installCrdFiles } from './crds.js';
import { pinnedVersions } from './versions.js';

/** Downloads the module once (Go's module cache), applies its standard CRDs and waits until they are served. */
export async function installGatewayApi(target: { kubectl: string; kubeconfig: string }): Promise<void> {
  const version = pinnedVersions().GATEWAY_API_VERSION;
  const download = execFileSync('go', ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@${version}`], {
    encoding: 'utf8',
    cwd: '/',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const dir = (JSON.parse(download) as { Dir: string }).Dir;
  const standard = join(dir, 'config', 'crd', 'standard');
  await installCrdFiles(target, [join(standard, 'gateway.networking.k8s.io_httproutes.yaml')], ['httproutes.gateway.networking.k8s.io']);
}
