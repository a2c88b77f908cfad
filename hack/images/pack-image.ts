/**
 * Packs a root filesystem directory into an OCI image archive and, with --import, loads it into
 * the running real node's containerd (make cluster-up NODE=real), where pods can use it at once
 * (imagePullPolicy Never or IfNotPresent; nothing can be pulled on this machine).
 *
 *   node --import tsx hack/images/pack-image.ts --rootfs DIR --name registry.example.com/product/app:1.0 \
 *     [--entrypoint /app] [--cmd serve] [--user 65532:65532] [--env K=V ...] [--label K=V ...] \
 *     [--workdir /] [--out DIR] [--import]
 *
 * --entrypoint and --cmd may repeat (one argument each; write one that starts with a dash as --cmd=-c).
 * Prints the archive's path.
 * The same functions (packImage, importIntoNode) are exported by @bulkhead/testenv.
 */
import { parseArgs } from 'node:util';
import { importIntoNode, packImage } from '../../testenv/src/index.js';
import { readEnvironment } from '../../testenv/src/environment.js';
import { stateDir } from '../../testenv/src/paths.js';

const { values } = parseArgs({
  options: {
    rootfs: { type: 'string' },
    name: { type: 'string' },
    entrypoint: { type: 'string', multiple: true },
    cmd: { type: 'string', multiple: true },
    user: { type: 'string' },
    env: { type: 'string', multiple: true },
    label: { type: 'string', multiple: true },
    workdir: { type: 'string' },
    out: { type: 'string', default: '.bulkhead/images' },
    import: { type: 'boolean', default: false },
  },
});

if (!values.rootfs || !values.name) {
  console.error(
    'usage: pack-image.ts --rootfs DIR --name NAME:TAG [--entrypoint ARG ...] [--cmd ARG ...] [--user UID:GID] [--env K=V ...] [--label K=V ...] [--import]',
  );
  process.exit(2);
}

const pairs = (list: string[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));

const archive = packImage(
  {
    name: values.name,
    rootfs: values.rootfs,
    entrypoint: values.entrypoint,
    cmd: values.cmd,
    user: values.user,
    env: values.env,
    labels: pairs(values.label),
    workingDir: values.workdir,
  },
  values.out,
);
if (values.import) {
  const env = readEnvironment(stateDir);
  if (!env) throw new Error('no environment is running: make cluster-up NODE=real');
  importIntoNode(env, archive);
}
console.log(archive);
