/**
 * The database provider stops with its signal and destroys only behind the leadership fence,
 * against the real PostgreSQL server: a statement still running when the signal aborts is
 * cancelled on the server, not just abandoned by the client; a fence that refuses means no DROP is
 * sent at all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@bulkhead/testenv';
import { AdminConnection } from '../../src/providers/database/connection.js';
import { DatabaseOperationAborted, PostgresDatabaseProvider, generatePassword } from '../../src/providers/database/index.js';
import { LeadershipNotConfirmed, type LeadershipFence } from '../../src/runtime/fence.js';
import { createLogger } from '../../src/runtime/logging.js';
import { soleActorFence } from './support/fence.js';
import { adminQuery, adminServer, tenantDatabaseSpec } from './support/postgres.js';

const logger = createLogger({ silent: true });
const probe = 'bulkhead-abort-probe';

/** The server sessions running the probe statement (never this query's own session). */
async function probesRunning(): Promise<number> {
  const rows = await adminQuery("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", [
    `%${probe}%`,
  ]);
  return rows.length;
}

describe('the PostgreSQL database provider under the leadership signal and fence', function () {
  it('cancels a statement on the server when its signal aborts, and the call rejects', async function () {
    // Long enough that only a cancellation, not statement_timeout, can end it within the wait below.
    const connection = new AdminConnection(adminServer(), { logger, statementTimeoutMillis: 600_000 });
    try {
      const leadership = new AbortController();
      const sleeping = connection.withSignal(leadership.signal).query('sleeping', `SELECT pg_sleep(600) /* ${probe} */`);
      await eventually('the statement to run on the server', async () => (await probesRunning()) === 1 || undefined);
      leadership.abort();
      await assert.rejects(sleeping, DatabaseOperationAborted);
      await eventually('the server to have cancelled it', async () => (await probesRunning()) === 0 || undefined, 30_000);
      await assert.rejects(connection.withSignal(leadership.signal).query('after the abort', 'SELECT 1'), DatabaseOperationAborted);
      assert.deepEqual(await connection.query('on the unsignalled connection', 'SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await connection.close();
    }
  });

  it('sends no DROP when the fence refuses: the database and the role stay', async function () {
    const snapshotDir = mkdtempSync(join(tmpdir(), 'bulkhead-fence-'));
    const provider = new PostgresDatabaseProvider(adminServer(), { logger, snapshotDir });
    const spec = tenantDatabaseSpec('fenced-off');
    const refusing: LeadershipFence = {
      confirm: (act) => Promise.reject(new LeadershipNotConfirmed(act, 'the Lease is held by another replica')),
    };
    try {
      await provider.ensure(spec, generatePassword());
      await assert.rejects(provider.drop(spec, refusing), LeadershipNotConfirmed);
      await assert.rejects(provider.snapshotAndDrop(spec, refusing), LeadershipNotConfirmed);
      assert.equal((await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [spec.databaseName])).length, 1);
      assert.equal((await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.roleName])).length, 1);
    } finally {
      await provider.drop(spec, soleActorFence);
      await provider.close();
      rmSync(snapshotDir, { recursive: true, force: true });
    }
  });
});
