/**
 * The image `make image` builds here holds Bulkhead the way the Dockerfile's final stage does: the
 * same entrypoint, command, user, working directory and environment, and the files at the paths
 * the Dockerfile copies them to. Read from the OCI archive the local platform installed (so the
 * image checked is the one the pods run), against the Dockerfile as written.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localPlatform } from './support/local.js';
import { repoRoot } from './support/platform.js';

interface FinalStage {
  user: string;
  entrypoint: string[];
  cmd: string[];
  workdir: string;
  env: Record<string, string>;
  /** Where each COPY puts its files, made absolute against WORKDIR. */
  copies: string[];
  aptPackages: string[];
}

/** The instructions of the Dockerfile's last stage that decide what runs and as whom. */
export function finalStage(dockerfile: string): FinalStage {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const last = lines.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
  const stage: FinalStage = { user: 'root', entrypoint: [], cmd: [], workdir: '/', env: {}, copies: [], aptPackages: [] };
  for (const line of lines.slice(last + 1)) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'USER') stage.user = args;
    if (instruction === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    if (instruction === 'CMD') stage.cmd = JSON.parse(args) as string[];
    if (instruction === 'WORKDIR') stage.workdir = args;
    if (instruction === 'ENV') for (const pair of rest) stage.env[pair.split('=')[0]!] = pair.slice(pair.indexOf('=') + 1);
    if (instruction === 'COPY') {
      const destination = rest.at(-1)!;
      stage.copies.push(destination.startsWith('/') ? destination : join(stage.workdir, destination));
    }
    const apt = /apt-get install -y (?:--no-install-recommends )?([^&]+)/.exec(line);
    if (instruction === 'RUN' && apt) stage.aptPackages.push(...apt[1]!.trim().split(/\s+/));
  }
  return stage;
}

interface ImageConfig {
  config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[]; Labels?: Record<string, string> };
}

/** The config and the file list of a one-layer OCI archive. */
function readArchive(archive: string, scratch: string): { config: ImageConfig; files: Set<string>; read: (path: string) => string } {
  execFileSync('tar', ['-xf', archive, '-C', scratch]);
  const blob = (digest: string) => join(scratch, 'blobs', ...digest.split(':'));
  const index = JSON.parse(readFileSync(join(scratch, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  assert.equal(manifest.layers.length, 1);
  const layer = blob(manifest.layers[0]!.digest);
  const files = new Set(
    execFileSync('tar', ['-tf', layer], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
      .split('\n')
      .filter(Boolean)
      .map((name) => name.replace(/^\.\//, '/').replace(/\/$/, '')),
  );
  return {
    config: JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as ImageConfig,
    files,
    read: (path) => execFileSync('tar', ['-xOf', layer, `.${path}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  };
}

describe('the image make image builds, held to the Dockerfile', function () {
  let image: ReturnType<typeof readArchive>;
  let scratch: string;
  const stage = finalStage(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));

  before(function () {
    const archive = localPlatform()?.installation?.image.archive;
    // Without Bulkhead installed from an image built here (KWOK, or the journeys run against
    // another cluster) there is no archive to read; the image is then whatever that cluster runs.
    if (!archive || !existsSync(archive)) this.skip();
    scratch = mkdtempSync(join(tmpdir(), 'bulkhead-image-'));
    image = readArchive(archive, scratch);
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('reads the Dockerfile: a non-root user, an exec-form entrypoint and the files it copies', function () {
    assert.match(stage.user, /^[1-9][0-9]*:[1-9][0-9]*$/, 'a numeric non-root user and group');
    assert.deepEqual(stage.entrypoint.slice(0, 1), ['node']);
    assert.ok(stage.copies.includes('/app/dist') && stage.copies.includes('/usr/local/bin/helm'), JSON.stringify(stage.copies));
  });

  it('runs the same entrypoint and command, as the same user, in the same directory, with the same environment', function () {
    const { config } = image.config;
    assert.deepEqual(
      { user: config.User, entrypoint: config.Entrypoint, cmd: config.Cmd, workdir: config.WorkingDir },
      { user: stage.user, entrypoint: stage.entrypoint, cmd: stage.cmd, workdir: stage.workdir },
    );
    for (const [name, value] of Object.entries(stage.env))
      assert.ok(config.Env?.includes(`${name}=${value}`), `${name}=${value} in ${JSON.stringify(config.Env)}`);
  });

  it('holds every file the Dockerfile copies, at the same path, and what its packages provide', function () {
    for (const path of stage.copies) assert.ok(image.files.has(path), `${path} is in the image`);
    assert.ok(image.files.has(stage.entrypoint.at(-1)!), `the entrypoint script ${stage.entrypoint.at(-1)} is in the image`);
    assert.ok(image.files.has('/usr/bin/node') || image.files.has('/usr/local/bin/node'), 'node is in the image');
    assert.ok(stage.aptPackages.includes('postgresql-client-15'), 'the Dockerfile installs postgresql-client-15');
    for (const tool of ['pg_dump', 'pg_restore'])
      assert.ok(image.files.has(`/usr/lib/postgresql/15/bin/${tool}`), `${tool} where postgresql-client-15 puts it`);
  });

  it('has no shell: nothing at run time needs one', function () {
    for (const shell of ['/bin/sh', '/bin/bash', '/usr/bin/sh', '/bin/busybox'])
      assert.ok(!image.files.has(shell), `${shell} is not in the image`);
  });

  it('carries OCI labels and a CycloneDX SBOM that lists the dependencies it ships', function () {
    const labels = image.config.config.Labels ?? {};
    const version = (JSON.parse(readFileSync(join(repoRoot, 'operator/package.json'), 'utf8')) as { version: string }).version;
    assert.equal(labels['org.opencontainers.image.version'], version);
    assert.match(labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}(-dirty)?$/);
    assert.match(labels['org.opencontainers.image.source'] ?? '', /^https:\/\//);
    const sbom = JSON.parse(image.read('/usr/share/doc/bulkhead/sbom.cdx.json')) as {
      bomFormat: string;
      components: { name: string; version: string }[];
    };
    assert.equal(sbom.bomFormat, 'CycloneDX');
    const shipped = JSON.parse(image.read('/app/node_modules/@kubernetes/client-node/package.json')) as { version: string };
    assert.ok(
      sbom.components.some((c) => c.name === '@kubernetes/client-node' && c.version === shipped.version),
      `the SBOM lists @kubernetes/client-node ${shipped.version}`,
    );
  });
});
