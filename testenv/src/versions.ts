import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The pinned versions from hack/versions.sh, the one place they are written. */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(join(repoRoot, 'hack/versions.sh'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
}
