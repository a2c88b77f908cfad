/**
 * Packing a root filesystem directory into an OCI image archive and importing it into the real
 * node's containerd. No registry is reachable from this machine, so every image a pod runs is
 * made here: one uncompressed layer (the directory, with root ownership and fixed timestamps, so
 * the same directory gives the same digest), an image config carrying the entrypoint, user,
 * environment and OCI labels, and an index naming the image (what `ctr images import` reads).
 * Reusable for any image: see catalog.ts for the ones the node needs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../shell.js';

export interface ImageSpec {
  /** Full reference, e.g. bulkhead.dev/probe:local (kubelet then never tries to pull it). */
  name: string;
  rootfs: string;
  entrypoint?: string[];
  cmd?: string[];
  /** Numeric "uid:gid", so Pod Security's runAsNonRoot can verify it without reading /etc/passwd. */
  user?: string;
  env?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
}

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';

function writeBlob(layout: string, mediaType: string, content: Buffer): Blob {
  const hex = createHash('sha256').update(content).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), content);
  return { mediaType, digest: `sha256:${hex}`, size: content.length };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** tar options that make an archive depend on the files' names, contents and modes only. */
const reproducible = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];

function layerOf(rootfs: string, scratch: string): Buffer {
  const file = join(scratch, 'layer.tar');
  run('tar', ['--create', '--file', file, '--directory', rootfs, ...reproducible, '.']);
  return readFileSync(file);
}

function imageConfig(spec: ImageSpec, diffId: string): unknown {
  return {
    created: '1970-01-01T00:00:00Z',
    architecture: arch,
    os: 'linux',
    config: {
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      User: spec.user,
      Env: spec.env ?? ['PATH=/bin:/usr/bin'],
      WorkingDir: spec.workingDir,
      Labels: spec.labels,
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'bulkhead testenv/src/node/images/oci-archive.ts' }],
  };
}

/** Writes `<outDir>/<file>.tar`, an OCI image layout in a tar archive, and returns its path. */
export function packImage(spec: ImageSpec, outDir: string): string {
  const file = spec.name.replace(/[^a-zA-Z0-9.-]+/g, '_');
  const layout = join(outDir, file);
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const layer = writeBlob(layout, 'application/vnd.oci.image.layer.v1.tar', layerOf(spec.rootfs, outDir));
  const config = writeBlob(layout, 'application/vnd.oci.image.config.v1+json', json(imageConfig(spec, layer.digest)));
  const manifest = writeBlob(
    layout,
    'application/vnd.oci.image.manifest.v1+json',
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [layer],
    }),
  );
  const tag = spec.name.slice(spec.name.lastIndexOf(':') + 1);
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          ...manifest,
          platform: { architecture: arch, os: 'linux' },
          annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  const archive = join(outDir, `${file}.tar`);
  run('tar', ['--create', '--file', archive, '--directory', layout, ...reproducible, 'oci-layout', 'index.json', 'blobs']);
  rmSync(layout, { recursive: true, force: true });
  rmSync(join(outDir, 'layer.tar'), { force: true });
  return archive;
}

/** Imports an archive into containerd's `k8s.io` namespace, the one kubelet's CRI calls see. */
export function importImage(ctr: string, socket: string, archive: string): void {
  run(ctr, ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', archive]);
}
