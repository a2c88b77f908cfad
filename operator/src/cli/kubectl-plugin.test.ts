/** `kubectl bulkhead ...`: kubectl finds bin/kubectl-bulkhead on PATH and runs it as the plugin `bulkhead`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const binDir = fileURLToPath(new URL('../../bin', import.meta.url));
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

/** kubectl from PATH, else the one `make setup` cached for the test environment. */
function findKubectl(): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'kubectl'))
    .find((file) => existsSync(file));
  if (onPath) return onPath;
  const cache = join(homedir(), '.cache/bulkhead/bin');
  const cached = existsSync(cache)
    ? readdirSync(cache)
        .map((dir) => join(cache, dir, 'kubectl'))
        .find((file) => existsSync(file))
    : undefined;
  return cached;
}

describe('kubectl bulkhead (the kubectl plugin)', function () {
  this.timeout(30_000);

  it('is a bin entry named kubectl-bulkhead, so installing the package puts it on PATH', () => {
    assert.equal(packageJson.bin['kubectl-bulkhead'], 'bin/kubectl-bulkhead');
  });

  it('runs through kubectl with its arguments, and its help reads "kubectl bulkhead"', function () {
    const kubectl = findKubectl();
    // `make setup` caches kubectl; without it there is no kubectl to run the plugin through.
    if (!kubectl) this.skip();
    const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };
    const version = spawnSync(kubectl, ['bulkhead', '--version'], { env, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `${packageJson.version}\n`);
    const help = spawnSync(kubectl, ['bulkhead', 'audit', 'verify', '--help'], { env, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: kubectl bulkhead audit verify \[options\] \[file\]/);
    const usage = spawnSync(kubectl, ['bulkhead', 'audit', '--tenat', 'x'], { env, encoding: 'utf8' });
    assert.equal(usage.status, 2, "kubectl passes the plugin's exit code through");
  });
});
