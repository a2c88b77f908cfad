/**
 * A root filesystem holding this machine's Node.js and nothing else: the node binary, the shared
 * libraries it links (read from `ldd`, with the dynamic loader), and the account files, so an image
 * built on it runs JavaScript as a numeric non-root user with no shell and no package manager. No
 * base image can be pulled here, and Node.js is the one runtime the product and Bulkhead need.
 */
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, tryRun } from '../shell.js';

/** The files `ldd` lists for a binary: its libraries and the loader, as absolute host paths (none for a static one). */
export function linkedLibraries(binary: string): string[] {
  const listed = tryRun('ldd', [binary]);
  if (listed === undefined) return []; // "not a dynamic executable"
  return listed.split('\n').flatMap((line) => {
    const path = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    return path ? [path] : [];
  });
}

/** Copies `file` into `rootfs` at the same path (following symbolic links to the real file). */
function copyInto(rootfs: string, file: string): void {
  const target = join(rootfs, file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(file), target);
}

/** Writes the Node.js runtime into `rootfs` for user `uid`; returns the path of node inside the image. */
export function nodeRuntimeRootfs(rootfs: string, uid: number, node = process.execPath): string {
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  run('chmod', ['1777', join(rootfs, 'tmp')]);
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/passwd'), `root:x:0:0:root:/root:/sbin/nologin\napp:x:${uid}:${uid}:app:/tmp:/sbin/nologin\n`);
  writeFileSync(join(rootfs, 'etc/group'), `root:x:0:\napp:x:${uid}:\n`);
  for (const library of linkedLibraries(node)) copyInto(rootfs, library);
  const inImage = '/usr/bin/node';
  mkdirSync(join(rootfs, 'usr/bin'), { recursive: true });
  copyFileSync(realpathSync(node), join(rootfs, inImage));
  run('chmod', ['755', join(rootfs, inImage)]);
  return inImage;
}
