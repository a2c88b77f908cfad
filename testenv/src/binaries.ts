/**
 * Finding the server binaries, following controller-runtime's envtest conventions so that users
 * who already have envtest assets can use them unchanged:
 *   TEST_ASSET_<NAME> (e.g. TEST_ASSET_KUBE_APISERVER), then $KUBEBUILDER_ASSETS/<name>, then
 *   /usr/local/kubebuilder/bin/<name>.
 * Whatever is not found there comes from the project's own build (hack/build-control-plane.sh),
 * which compiles the pinned versions from the Go module proxy into a cache outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths.js';

export const binaryNames = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'helm',
  // The real node's (node/binaries.ts finds the rest).
  'kubelet',
  'kube-proxy',
] as const;
export type BinaryName = (typeof binaryNames)[number];
export type Binaries = Record<BinaryName, string> & {
  /** KWOK's Stage definitions (from its module), written beside the kwok binary by the build. */
  kwokStages: string;
};

function fromEnvtestConventions(name: BinaryName): string | undefined {
  const variable = `TEST_ASSET_${name.toUpperCase().replace(/-/g, '_')}`;
  const candidates = [
    process.env[variable],
    process.env.KUBEBUILDER_ASSETS && join(process.env.KUBEBUILDER_ASSETS, name),
    join('/usr/local/kubebuilder/bin', name),
  ];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
}

let built: string | undefined;

/** Runs the project's build (a no-op taking well under a second when the cache is warm). */
function projectBuildDir(): string {
  built ??= execFileSync('bash', [join(repoRoot, 'hack/build-control-plane.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return built;
}

export function findBinaries(): Binaries {
  const found = {} as Binaries;
  for (const name of binaryNames) {
    found[name] = fromEnvtestConventions(name) ?? join(projectBuildDir(), name);
  }
  const besideKwok = join(dirname(found.kwok), 'kwok-stages.yaml');
  found.kwokStages = existsSync(besideKwok) ? besideKwok : join(projectBuildDir(), 'kwok-stages.yaml');
  return found;
}
