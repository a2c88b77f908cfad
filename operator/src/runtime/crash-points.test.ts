import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const crashPointsModule = fileURLToPath(new URL('./crash-points.ts', import.meta.url));

/** Runs a child that passes two crash points, printing a line before and after each. */
function runChild(crashAt: string | undefined): ReturnType<typeof spawnSync> {
  const script = [
    `const { crashPoint } = await import(${JSON.stringify(crashPointsModule)});`,
    "process.stdout.write('before-first\\n'); crashPoint('test.first');",
    "process.stdout.write('before-second\\n'); crashPoint('test.second');",
    "process.stdout.write('done\\n');",
  ].join('\n');
  const env = { ...process.env };
  delete env.BULKHEAD_CRASH_AT;
  if (crashAt !== undefined) env.BULKHEAD_CRASH_AT = crashAt;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
}

describe('crash points', () => {
  it('do nothing when BULKHEAD_CRASH_AT is unset', () => {
    const child = runChild(undefined);
    assert.equal(child.status, 0, String(child.stderr));
    assert.equal(child.stdout, 'before-first\nbefore-second\ndone\n');
  });

  it('kill the process with SIGKILL at the named point and not before', () => {
    const child = runChild('test.second');
    assert.equal(child.signal, 'SIGKILL');
    assert.equal(child.stdout, 'before-first\nbefore-second\n');
  });

  it('ignore points with other names', () => {
    const child = runChild('test.elsewhere');
    assert.equal(child.status, 0, String(child.stderr));
  });
});
