/**
 * The shared rate limit taken in batches (decision 0064), across two real `bulkhead api` processes
 * on one real PostgreSQL: together they admit a caller no more than its bucket, and they ask the
 * database far less often than once per request. A statement trigger, added by the superuser to
 * this spec's own database, counts the API's upserts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnvironment } from '@bulkhead/testenv';
import { rateLimitTable } from '../../src/api-server/rate-limit/table.js';
import { quoteIdentifier } from '../../src/providers/database/sql-quoting.js';
import { freePort, startProcess, stopProcess, tail, type ManagedProcess } from '../../../testenv/src/processes.js';
import { bulkheadBin, createTrailDatabase, withSuperuser, type TrailDatabase } from './audit-trail-database.js';
import { apiFixture, runId, type ApiFixture } from './support.js';

/** Big enough that batches are 10 tokens (a twentieth); nothing refills while the spec runs. */
const capacity = 200;

interface ApiProcess {
  process: ManagedProcess;
  url: string;
}

async function startApi(fixture: ApiFixture, database: TrailDatabase, dir: string, name: string): Promise<ApiProcess> {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    JSON.stringify({ tokenSecret: fixture.tokenSecret, rateLimit: { capacity, refillPerSecond: 0.01 }, metrics: { enabled: false } }),
  );
  const port = await freePort();
  const started = startProcess({
    name,
    command: process.execPath,
    args: [bulkheadBin, 'api'],
    log: join(dir, `${name}.log`),
    env: {
      ...process.env,
      KUBECONFIG: testEnvironment().kubeconfig,
      BULKHEAD_API_CONFIG: config,
      BULKHEAD_API_PORT: String(port),
      BULKHEAD_AUDIT_TRAIL_URL: database.apiUrl,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (reply) => reply.ok,
        () => false,
      )
    )
      return { process: started, url };
    await sleep(100);
  }
  await stopProcess(started);
  throw new Error(`${name} did not start:\n${tail(started.log)}`);
}

/** Counts the API's rate-limit statements: one row per INSERT ... ON CONFLICT statement. */
async function countUpserts(database: TrailDatabase): Promise<() => Promise<number>> {
  const table = quoteIdentifier(rateLimitTable);
  await withSuperuser(database.database, async (client) => {
    await client.query('CREATE TABLE rate_limit_statements (at timestamptz NOT NULL DEFAULT now())');
    await client.query(`CREATE FUNCTION count_rate_limit_statement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN INSERT INTO rate_limit_statements DEFAULT VALUES; RETURN NULL; END $$`);
    await client.query(
      `CREATE TRIGGER count_statements AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION count_rate_limit_statement()`,
    );
  });
  return () =>
    withSuperuser(database.database, async (client) =>
      Number((await client.query<{ count: string }>('SELECT count(*) FROM rate_limit_statements')).rows[0]?.count),
    );
}

describe('the shared rate limit across two API processes', function () {
  let fixture: ApiFixture;
  let database: TrailDatabase;
  let apis: ApiProcess[] = [];

  before(async function () {
    fixture = apiFixture();
    database = await createTrailDatabase(`api_rate_processes_${runId}`);
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-rate-limit-'));
    apis = [await startApi(fixture, database, dir, 'api-a'), await startApi(fixture, database, dir, 'api-b')];
  });

  after(async function () {
    for (const api of apis) await stopProcess(api.process);
    await database?.drop();
  });

  it('admits a busy caller no more than its capacity in all, with far fewer round trips than requests', async function () {
    const upserts = await countUpserts(database);
    const token = await fixture.mint('auditor', `rate-processes-${runId}`);
    const statuses: number[] = [];
    // Ten callers' worth of connections, alternating between the processes, three times the capacity in all.
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let i = 0; i < (3 * capacity) / 10; i++) {
          const api = apis[(lane + i) % 2];
          const reply = await fetch(`${api?.url}/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
          await reply.arrayBuffer();
          statuses.push(reply.status);
        }
      }),
    );
    const admitted = statuses.filter((status) => status === 200).length;
    assert.equal(statuses.filter((status) => status !== 200 && status !== 429).length, 0, 'only 200s and 429s');
    assert.ok(admitted <= capacity, `${admitted} admitted of a capacity of ${capacity}`);
    // Tokens one process holds are not the other's: at most 1.5 batches of 10 each go unused.
    assert.ok(admitted >= capacity - 30, `${admitted} admitted of a capacity of ${capacity}`);
    const admittedUpserts = await upserts();
    // Each refused request still asks the database once; the admitted ones shared a batch.
    const refused = statuses.length - admitted;
    assert.ok(
      admittedUpserts - refused < admitted / 3,
      `${admittedUpserts} upserts for ${admitted} admitted and ${refused} refused requests`,
    );
  });
});
