/**
 * The onboarding API's rate limit across replicas, on the real PostgreSQL: two API apps sharing one
 * database (set up by `bulkhead audit-trail init --grant`, as docs/api.md says) draw on one bucket
 * per caller, answer with the RateLimit fields, and keep serving with a per-replica limit while the
 * database refuses them or does not answer (decision 0030).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@bulkhead/testenv';
import type { RateLimitPolicy } from '../../src/api-server/rate-limit/decision.js';
import { FailOpenRateLimit } from '../../src/api-server/rate-limit/fail-open.js';
import { LocalRateLimit } from '../../src/api-server/rate-limit/local.js';
import { PgRateLimit } from '../../src/api-server/rate-limit/postgres.js';
import { rateLimitTable } from '../../src/api-server/rate-limit/table.js';
import { createLogger } from '../../src/runtime/logging.js';
import { quoteIdentifier } from '../../src/providers/database/sql-quoting.js';
import { createTrailDatabase, withSuperuser, type TrailDatabase } from './audit-trail-database.js';
import { apiFixture, call, listen, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

/** Four requests at once, then one every 100 s: nothing refills while a spec runs. */
const policy: RateLimitPolicy = { capacity: 4, refillPerSecond: 0.01 };
const logger = createLogger({ silent: true });

interface Replica {
  api: RunningApi;
  shared: PgRateLimit;
  limit: FailOpenRateLimit;
}

function rateHeaders(reply: Reply): { limit: number; remaining: number; reset: number; retryAfter: string | null } {
  return {
    limit: Number(reply.headers.get('ratelimit-limit')),
    remaining: Number(reply.headers.get('ratelimit-remaining')),
    reset: Number(reply.headers.get('ratelimit-reset')),
    retryAfter: reply.headers.get('retry-after'),
  };
}

describe('the onboarding API rate limit across replicas', function () {
  let fixture: ApiFixture;
  let database: TrailDatabase;
  let replicas: Replica[] = [];
  let tokens = 0;
  const mint = () => fixture.mint('auditor', `rate-${runId}-${(tokens += 1)}`);

  async function replica(options: { url?: string; timeoutMs?: number } = {}): Promise<Replica> {
    const shared = new PgRateLimit({ ...policy, url: options.url ?? database.apiUrl, allowExitOnIdle: true, timeoutMs: options.timeoutMs });
    const limit = new FailOpenRateLimit({ shared, local: new LocalRateLimit(policy), logger, retryMs: 300 });
    const started = { api: await listen(fixture.deps({ rateLimit: limit })), shared, limit };
    replicas.push(started);
    return started;
  }

  before(async function () {
    fixture = apiFixture();
    database = await createTrailDatabase(`api_rate_${runId}`);
  });

  afterEach(async function () {
    for (const { api, shared } of replicas) {
      await api.close();
      await shared.close();
    }
    replicas = [];
  });

  after(async function () {
    await database?.drop();
  });

  it('lets two replicas together allow a caller only its capacity, then both refuse it with Retry-After', async function () {
    const [a, b] = [await replica(), await replica()];
    const token = await mint();
    const replies: Reply[] = [];
    for (const running of [a, b, a, b]) replies.push(await call(running.api, 'GET', '/openapi.json', { token }));
    assert.deepEqual(
      replies.map((reply) => reply.status),
      [200, 200, 200, 200],
    );
    assert.deepEqual(
      replies.map((reply) => rateHeaders(reply)),
      [
        { limit: 4, remaining: 3, reset: 100, retryAfter: null },
        { limit: 4, remaining: 2, reset: 200, retryAfter: null },
        { limit: 4, remaining: 1, reset: 300, retryAfter: null },
        { limit: 4, remaining: 0, reset: 400, retryAfter: null },
      ],
    );
    for (const running of [a, b]) {
      const refused = await call(running.api, 'GET', '/openapi.json', { token });
      assert.equal(refused.status, 429);
      const headers = rateHeaders(refused);
      assert.deepEqual({ limit: headers.limit, remaining: headers.remaining }, { limit: 4, remaining: 0 });
      // The next request fits once one token (100 s) has accrued; a refusal spends nothing.
      assert.ok([99, 100].includes(Number(headers.retryAfter)), `Retry-After: ${headers.retryAfter}`);
      assert.ok([399, 400].includes(headers.reset), `RateLimit-Reset: ${headers.reset}`);
    }
    assert.equal((await call(b.api, 'GET', '/openapi.json', { token: await mint() })).status, 200, 'another caller has its own bucket');
    assert.ok(!a.limit.degraded && !b.limit.degraded, 'both replicas used the shared table');
  });

  it('allows exactly the capacity when requests race on both replicas at once', async function () {
    const [a, b] = [await replica(), await replica()];
    const token = await mint();
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, index) => call((index % 2 ? a : b).api, 'GET', '/openapi.json', { token })),
    );
    assert.equal(replies.filter((reply) => reply.status === 200).length, 4);
    assert.equal(replies.filter((reply) => reply.status === 429).length, 8);
    assert.deepEqual(
      replies
        .filter((reply) => reply.status === 200)
        .map((reply) => rateHeaders(reply).remaining)
        .sort(),
      [0, 1, 2, 3],
    );
  });

  it('deletes the rows of callers whose bucket has been full for a minute, and keeps the others', async function () {
    const shared = new PgRateLimit({ ...policy, url: database.apiUrl, allowExitOnIdle: true });
    const table = quoteIdentifier(rateLimitTable);
    const [stale, recent, active] = [`stale-${runId}`, `recent-${runId}`, `active-${runId}`];
    try {
      await withSuperuser(database.database, (client) =>
        client.query(
          `INSERT INTO ${table} (caller, full_at, updated_at, allowed) VALUES
        ($1, now() - interval '2 minutes', now(), true), ($2, now() - interval '10 seconds', now(), true), ($3, now() + interval '10 seconds', now(), true)`,
          [stale, recent, active],
        ),
      );
      assert.equal(await shared.deleteExpired(), 1);
      const callers = await withSuperuser(
        database.database,
        async (client) =>
          (
            await client.query<{ caller: string }>(`SELECT caller FROM ${table} WHERE caller = ANY($1) ORDER BY caller`, [
              [stale, recent, active],
            ])
          ).rows,
      );
      assert.deepEqual(
        callers.map((row) => row.caller),
        [active, recent],
      );
    } finally {
      await shared.close();
    }
  });

  it('cleans up on its own as requests come in', async function () {
    const stale = `stale-again-${runId}`;
    await withSuperuser(database.database, (client) =>
      client.query(
        `INSERT INTO ${quoteIdentifier(rateLimitTable)} (caller, full_at, updated_at, allowed) VALUES ($1, now() - interval '2 minutes', now(), true)`,
        [stale],
      ),
    );
    const { api } = await replica();
    await call(api, 'GET', '/openapi.json', { token: await mint() });
    await eventually('the stale row to be deleted', () =>
      withSuperuser(
        database.database,
        async (client) =>
          (await client.query(`SELECT 1 FROM ${quoteIdentifier(rateLimitTable)} WHERE caller = $1`, [stale])).rowCount === 0,
      ),
    );
  });

  it('keeps serving with a per-replica limit while PostgreSQL refuses the API, and shares the limit again once it is back', async function () {
    const [a, b] = [await replica(), await replica()];
    const token = await mint();
    assert.equal((await call(a.api, 'GET', '/openapi.json', { token })).status, 200);
    const role = quoteIdentifier(database.apiRole);
    await withSuperuser('postgres', async (client) => {
      await client.query(`ALTER ROLE ${role} NOLOGIN`);
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [database.apiRole]);
    });
    try {
      // Each replica now has its own full bucket of 4: fail open, but still limited.
      const onA = [];
      for (let i = 0; i < 5; i++) onA.push(await call(a.api, 'GET', '/openapi.json', { token }));
      assert.deepEqual(
        onA.map((reply) => reply.status),
        [200, 200, 200, 200, 429],
      );
      assert.deepEqual(
        onA.map((reply) => rateHeaders(reply).remaining),
        [3, 2, 1, 0, 0],
      );
      assert.ok(a.limit.degraded);
      assert.equal((await call(b.api, 'GET', '/openapi.json', { token })).status, 200, 'the other replica limits on its own');
    } finally {
      await withSuperuser('postgres', (client) => client.query(`ALTER ROLE ${role} LOGIN`));
    }
    await sleep(350);
    // Back on the shared bucket: the one request made before the outage counts, the outage's do not.
    const back = await call(a.api, 'GET', '/openapi.json', { token });
    assert.equal(back.status, 200);
    assert.equal(rateHeaders(back).remaining, 2);
    assert.ok(!a.limit.degraded);
  });

  it('answers within the store timeout when PostgreSQL accepts connections but never replies', async function () {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const { api, limit } = await replica({ url: `postgres://nobody:nothing@127.0.0.1:${port}/none`, timeoutMs: 300 });
      const token = await mint();
      const started = Date.now();
      const reply = await call(api, 'GET', '/openapi.json', { token });
      const elapsed = Date.now() - started;
      assert.equal(reply.status, 200);
      assert.equal(rateHeaders(reply).limit, 4);
      assert.ok(limit.degraded);
      assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
      // Within the retry period the store is not asked again: no timeout to wait for.
      const again = Date.now();
      await call(api, 'GET', '/openapi.json', { token });
      assert.ok(Date.now() - again < 200, `took ${Date.now() - again} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
