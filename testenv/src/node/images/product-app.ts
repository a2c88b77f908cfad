/**
 * The product's image, registry.example.com/product/app:<version>, built here: the sample
 * service (charts/tenant-app/app/server.mjs) bundled with its two libraries (pg and the AWS SDK's
 * KMS client) into one file by esbuild, on the Node.js runtime of node-runtime.ts, as the chart's
 * user 10001. Every version the chart is deployed at gets the same image under its own tag: the
 * sample has one behaviour, and kubelet must find each tag locally (nothing can be pulled).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { repoRoot } from '../../paths.js';
import { run } from '../shell.js';
import { nodeRuntimeRootfs } from './node-runtime.js';
import { packImage } from './oci-archive.js';

export const productAppRepository = 'registry.example.com/product/app';
/** The user the tenant-app chart runs its pods as. */
const appUser = 10001;

/** Packs the product image into `scratch` as <repository>:<tag> and returns the archive. */
export function buildProductAppImage(scratch: string, tag: string): string {
  const rootfs = join(scratch, 'product-app');
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(join(rootfs, 'app'), { recursive: true });
  const node = nodeRuntimeRootfs(rootfs, appUser);
  buildSync({
    entryPoints: [join(repoRoot, 'charts/tenant-app/app/server.mjs')],
    outfile: join(rootfs, 'app/server.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    logLevel: 'error',
    // pg loads its native binding only when asked for; the AWS SDK's CommonJS parts need require().
    external: ['pg-native'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const archive = packImage(
    {
      name: `${productAppRepository}:${tag}`,
      rootfs,
      entrypoint: [node, '/app/server.mjs'],
      user: `${appUser}:${appUser}`,
      env: ['NODE_ENV=production'],
      workingDir: '/app',
      labels: {
        'org.opencontainers.image.title': 'tenant-app',
        'org.opencontainers.image.version': tag,
        'org.opencontainers.image.vendor': 'Bulkhead (built locally by testenv)',
      },
    },
    scratch,
  );
  rmSync(rootfs, { recursive: true, force: true });
  return archive;
}

/** Gives an imported image more tags inside the node's containerd (`ctr images tag`). */
export function tagImage(ctr: string, socket: string, source: string, tags: string[]): void {
  for (const tag of tags) {
    run(ctr, ['--address', socket, '--namespace', 'k8s.io', 'images', 'tag', '--force', source, tag]);
  }
}
