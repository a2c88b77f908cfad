import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in testenv/src. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where local state lives: kubeconfig, certificates, logs, data. Gitignored. */
export const stateDir = process.env.BULKHEAD_STATE_DIR ?? join(repoRoot, '.bulkhead');
export const kubeconfigPath = join(stateDir, 'kubeconfig');
export const environmentFile = join(stateDir, 'environment.json');
