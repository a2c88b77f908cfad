/** Applying the node's own objects (RBAC, CoreDNS) with kubectl's server-side apply, as an admin. */
import { stringify } from 'yaml';
import { run } from './shell.js';

export interface Applier {
  kubectl: string;
  kubeconfig: string;
  /** kubectl's discovery cache, kept out of ~/.kube. */
  cacheDir: string;
}

export function apply(applier: Applier, objects: unknown[]): void {
  const manifest = objects.map((object) => stringify(object)).join('---\n');
  run(
    applier.kubectl,
    [
      '--kubeconfig',
      applier.kubeconfig,
      '--cache-dir',
      applier.cacheDir,
      'apply',
      '--server-side',
      '--field-manager=bulkhead-testenv',
      '-f',
      '-',
    ],
    manifest,
  );
}
