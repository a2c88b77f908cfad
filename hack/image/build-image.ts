/**
 * make image: Bulkhead's image, built on this machine without a Docker daemon or any registry
 * base image, as an OCI archive (.bulkhead/image/bulkhead-<version>.oci.tar) with its CycloneDX
 * SBOM beside it and inside it. It holds what the Dockerfile's final stage holds, in the same
 * places (e2e/image.spec.ts keeps the two in step):
 *   /usr/bin/node and the libraries it links     this machine's Node.js (testenv's node-runtime.ts)
 *   /app/dist, /app/node_modules, /app/package.json   the operator compiled by tsconfig.build.json,
 *                                                 with the operator package's production dependencies
 *   /usr/local/bin/helm                            the static helm built by hack/build-control-plane.sh
 *   /usr/lib/postgresql/15/bin/pg_dump, pg_restore  Debian's, with their libraries (Snapshot deletion)
 * It runs as 65532:65532, needs no shell and no writable root (the chart mounts /tmp).
 *
 *   node --import tsx hack/image/build-image.ts [--tag TAG] [--out DIR]   prints the archive's path
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { packImage } from '../../testenv/src/node/images/oci-archive.js';
import { linkedLibraries, nodeRuntimeRootfs } from '../../testenv/src/node/images/node-runtime.js';
import { repoRoot } from '../../testenv/src/paths.js';
import { buildSbom } from './sbom.js';

export const imageRepository = 'bulkhead.dev/bulkhead';
/** The Dockerfile's USER: the chart's pod security context matches it. */
export const imageUser = '65532:65532';
export const imageEntrypoint = ['node', '--enable-source-maps', '/app/dist/cli/main.js'];
const postgresTools = ['pg_dump', 'pg_restore'];
const debianPackages = ['postgresql-client-15', 'libpq5'];

export interface BuiltImage {
  archive: string;
  sbom: string;
  name: string;
  version: string;
  revision: string;
}

const run = (command: string, args: string[], cwd = repoRoot): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function revision(): string {
  const commit = run('git', ['rev-parse', 'HEAD']).trim();
  return run('git', ['status', '--porcelain']).trim() === '' ? commit : `${commit}-dirty`;
}

/** The operator compiled to JavaScript, and its production dependencies installed from the lockfile. */
function buildApp(app: string, scratch: string): void {
  run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')]);
  const workspace = join(scratch, 'workspace');
  for (const file of ['package.json', 'package-lock.json', 'operator/package.json', 'testenv/package.json', 'pulumi/package.json']) {
    mkdirSync(dirname(join(workspace, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(workspace, file));
  }
  run(
    'npm',
    [
      'ci',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--omit=dev',
      '--workspace',
      'operator',
      '--include-workspace-root=false',
    ],
    workspace,
  );
  cpSync(join(workspace, 'node_modules'), join(app, 'node_modules'), { recursive: true, dereference: false });
  copyFileSync(join(repoRoot, 'operator/package.json'), join(app, 'package.json'));
}

/** Copies a host file to the same path inside `rootfs`, with the libraries it links. */
function copyWithLibraries(rootfs: string, file: string, at = file): void {
  mkdirSync(dirname(join(rootfs, at)), { recursive: true });
  copyFileSync(realpathSync(file), join(rootfs, at));
  chmodSync(join(rootfs, at), 0o755);
  for (const library of linkedLibraries(file)) {
    mkdirSync(dirname(join(rootfs, library)), { recursive: true });
    copyFileSync(realpathSync(library), join(rootfs, library));
  }
}

function helmBinary(): string {
  return join(run('bash', [join(repoRoot, 'hack/build-control-plane.sh')]).trim(), 'helm');
}

export function buildImage(options: { tag?: string; out?: string } = {}): BuiltImage {
  const version = (JSON.parse(readFileSync(join(repoRoot, 'operator/package.json'), 'utf8')) as { version: string }).version;
  const tag = options.tag ?? version;
  const out = options.out ?? join(repoRoot, '.bulkhead', 'image');
  const scratch = join(out, 'build');
  const rootfs = join(scratch, 'rootfs');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  nodeRuntimeRootfs(rootfs, 65532);
  buildApp(join(rootfs, 'app'), scratch);
  const helm = helmBinary();
  copyWithLibraries(rootfs, helm, '/usr/local/bin/helm');
  for (const tool of postgresTools) copyWithLibraries(rootfs, `/usr/lib/postgresql/15/bin/${tool}`);
  const name = `${imageRepository}:${tag}`;
  const rev = revision();
  const sbom = JSON.stringify(
    buildSbom({ image: { name, version, revision: rev }, nodeModules: join(rootfs, 'app/node_modules'), helm, debianPackages }),
    null,
    2,
  );
  mkdirSync(join(rootfs, 'usr/share/doc/bulkhead'), { recursive: true });
  writeFileSync(join(rootfs, 'usr/share/doc/bulkhead/sbom.cdx.json'), sbom);
  const archive = packImage(
    {
      name,
      rootfs,
      entrypoint: imageEntrypoint,
      cmd: ['help'],
      user: imageUser,
      workingDir: '/app',
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'HOME=/tmp'],
      labels: {
        'org.opencontainers.image.title': 'bulkhead',
        'org.opencontainers.image.description': 'The Bulkhead operator, onboarding API and audit CLI',
        'org.opencontainers.image.version': version,
        'org.opencontainers.image.revision': rev,
        'org.opencontainers.image.source': 'https://github.com/bulkhead-dev/bulkhead',
      },
    },
    out,
  );
  const sbomFile = archive.replace(/\.tar$/, '.sbom.cdx.json');
  writeFileSync(sbomFile, sbom);
  rmSync(scratch, { recursive: true, force: true });
  return { archive, sbom: sbomFile, name, version, revision: rev };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { tag: { type: 'string' }, out: { type: 'string' } } });
  const started = Date.now();
  const built = buildImage({ ...(values.tag ? { tag: values.tag } : {}), ...(values.out ? { out: values.out } : {}) });
  console.error(`Built ${built.name} (revision ${built.revision}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(built.archive);
}
