import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What `bulkhead operator` must not load before it has work (docs/decisions/0065): a leader with
 * the audit on loads the audit's schedule (operator-audit.ts) at once, its pass only when it runs.
 */
const loadedOnFirstUse = [
  '/node_modules/pg/',
  '/node_modules/@aws-sdk/client-kms/',
  '/node_modules/@aws-sdk/client-s3/',
  '/operator/src/audit/operator-audit-pass.ts',
  '/operator/src/audit/run.ts',
  '/operator/src/audit/fleet-network/',
  '/operator/src/audit/data/database-audit.ts',
  '/operator/src/audit/data/key-audit.ts',
  '/operator/src/providers/database/connection.ts',
  '/operator/src/providers/kms/kms-session.ts',
  '/operator/src/providers/backup/tenant-backups.ts',
];

describe('the operator at start', () => {
  it('loads neither pg, the AWS SDK, the audit pass nor the providers built on them until they have work', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-operator-imports-'));
    try {
      // A resolve hook in a fresh process reports every module the operator's entry point loads.
      writeFileSync(
        join(dir, 'hooks.mjs'),
        `export async function resolve(specifier, context, next) {
          const resolved = await next(specifier, context);
          process.stderr.write('resolved ' + resolved.url + '\\n');
          return resolved;
        }`,
      );
      writeFileSync(
        join(dir, 'register.mjs'),
        `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
      );
      const entry = (path: string): string => JSON.stringify(pathToFileURL(join(import.meta.dirname, path)).href);
      const script = `await import(${entry('operator.ts')}); await import(${entry('../audit/operator-audit.ts')}); console.log('imported the operator');`;
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script],
        { encoding: 'utf8' },
      );
      assert.match(run.stdout, /imported the operator/, run.stderr);
      const resolved = run.stderr.split('\n').filter((line) => line.startsWith('resolved '));
      // The hook sees what the operator does need at start, so an empty list below means something.
      assert.ok(resolved.some((line) => line.includes('/operator/src/controllers/tenant/regional-providers.ts')));
      assert.ok(resolved.some((line) => line.includes('/node_modules/zod/')));
      assert.ok(resolved.some((line) => line.includes('/operator/src/audit/periodic.ts')));
      assert.deepEqual(
        resolved.filter((line) => loadedOnFirstUse.some((path) => line.includes(path))),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
