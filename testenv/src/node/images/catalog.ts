/**
 * The images the real node needs, built from binaries already on this machine:
 *   bulkhead.dev/probe:local    Debian's static busybox (sh, nc, wget, httpd, nslookup, ...) as
 *                               uid 65532; by default it serves /www over HTTP on port 8080.
 *                               Other tooling makes probe pods from it: keep the name.
 *   bulkhead.dev/pause:local    containerd's sandbox image: the pause binary from k8s.io/kubernetes
 *   bulkhead.dev/coredns:local  CoreDNS built from the Go module proxy, as uid 65532
 */
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../shell.js';
import { packImage, type ImageSpec } from './oci-archive.js';

export const probeImage = 'bulkhead.dev/probe:local';
export const pauseImage = 'bulkhead.dev/pause:local';
export const corednsImage = 'bulkhead.dev/coredns:local';
/** The unprivileged user the probe and CoreDNS run as (distroless' "nonroot"). */
export const nonRootUser = 65532;

const source = (name: string): Record<string, string> => ({
  'org.opencontainers.image.title': name,
  'org.opencontainers.image.vendor': 'Bulkhead (built locally by testenv)',
});

function baseRootfs(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['bin', 'etc', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  run('chmod', ['1777', join(dir, 'tmp')]);
  writeFileSync(join(dir, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\nnonroot:x:${nonRootUser}:${nonRootUser}:nonroot:/tmp:/bin/sh\n`);
  writeFileSync(join(dir, 'etc/group'), `root:x:0:\nnonroot:x:${nonRootUser}:\n`);
}

function probeSpec(scratch: string, busybox: string): ImageSpec {
  const rootfs = join(scratch, 'probe');
  baseRootfs(rootfs);
  copyFileSync(busybox, join(rootfs, 'bin/busybox'));
  run('chmod', ['755', join(rootfs, 'bin/busybox')]);
  for (const applet of run(busybox, ['--list'])
    .split('\n')
    .filter((a) => a && a !== 'busybox')) {
    symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  mkdirSync(join(rootfs, 'www'));
  writeFileSync(join(rootfs, 'www/index.html'), 'probe\n');
  return {
    name: probeImage,
    rootfs,
    user: `${nonRootUser}:${nonRootUser}`,
    workingDir: '/tmp',
    cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
    labels: source('probe'),
  };
}

function singleBinarySpec(scratch: string, name: string, binary: string, spec: Omit<ImageSpec, 'rootfs'>): ImageSpec {
  const rootfs = join(scratch, name);
  baseRootfs(rootfs);
  copyFileSync(binary, join(rootfs, name));
  run('chmod', ['755', join(rootfs, name)]);
  return { ...spec, rootfs };
}

export interface ImageSources {
  busybox: string;
  pause: string;
  coredns: string;
}

/** Builds the three archives into `scratch` and returns their paths. */
export function buildNodeImages(scratch: string, sources: ImageSources): string[] {
  mkdirSync(scratch, { recursive: true });
  const specs = [
    probeSpec(scratch, sources.busybox),
    singleBinarySpec(scratch, 'pause', sources.pause, {
      name: pauseImage,
      entrypoint: ['/pause'],
      user: '65535:65535',
      labels: source('pause'),
    }),
    singleBinarySpec(scratch, 'coredns', sources.coredns, {
      name: corednsImage,
      entrypoint: ['/coredns'],
      user: `${nonRootUser}:${nonRootUser}`,
      labels: source('coredns'),
    }),
  ];
  return specs.map((spec) => {
    const archive = packImage(spec, scratch);
    rmSync(spec.rootfs, { recursive: true, force: true });
    return archive;
  });
}
