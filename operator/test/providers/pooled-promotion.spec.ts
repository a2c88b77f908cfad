/**
 * Promotion of a pooled tenant to a database of its own against the real PostgreSQL server
 * (docs/decisions/0048), step by step as the tenant controller runs them: with a writer committing
 * rows throughout, every row it committed ends in the tenant's own database and nothing of the
 * tenant is left in the pool; a copy tampered with between copy and verification is found, naming
 * the table, with the pool's schema kept; a kill -9 inside each step converges when the step runs
 * again; and the promoted tenant passes the audit's catalog checks as a dedicated tenant.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { testEnvironment } from '@bulkhead/testenv';
import { databaseName } from '../../src/api/names.js';
import { judgeTenantCatalog } from '../../src/audit/data/database-catalog-checks.js';
import { readIsolationCatalog } from '../../src/providers/database/isolation-catalog.js';
import { createLogger } from '../../src/runtime/logging.js';
import { PostgresDatabaseProvider, generatePassword } from '../../src/providers/database/index.js';
import {
  poolDatabaseName,
  promotionCrashPoints,
  sharedTable,
  type PooledDatabaseProvider,
  type PromotionSpec,
} from '../../src/providers/database/pooled/index.js';
import { crashDuring } from './support/crash.js';
import { soleActorFence } from './support/fence.js';
import { adminQuery, adminServer, connectedAs, loginRefusal, pooledTenantSpec } from './support/postgres.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The tenant's app as a loop of one-row transactions through its own login, into `orders` unqualified
 * (its search_path finds its schema in the pool, and `"$user"` finds it in its own database) and
 * every tenth into the shared table. It reconnects after each failure, to `database` as it is then:
 * the spec moves it at the cut-over, as the app follows the Secret.
 */
class Writer {
  readonly committed: number[] = [];
  database = poolDatabaseName;
  /** From the first failed write to the first write that succeeded after it. */
  outageMs = 0;
  private failingSince: number | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly user: string,
    private readonly password: string,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    let client: pg.Client | undefined;
    for (let n = 0; !this.stopped; n++) {
      try {
        client ??= await this.connect();
        const id = await this.writeOne(client, n);
        this.committed.push(id);
        if (this.failingSince !== undefined) this.outageMs = Math.max(this.outageMs, Date.now() - this.failingSince);
        this.failingSince = undefined;
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
        this.failingSince ??= Date.now();
        await sleep(25);
      }
    }
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const { postgres } = testEnvironment();
    const client = new pg.Client({
      host: postgres.host,
      port: postgres.port,
      user: this.user,
      password: this.password,
      database: this.database,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  private async writeOne(client: pg.Client, n: number): Promise<number> {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: number }>(`INSERT INTO orders (note) VALUES ($1) RETURNING id`, [`order ${n}`]);
    if (n % 10 === 0) await client.query(`INSERT INTO ${sharedTable} (key, value) VALUES ($1, 'v')`, [`key-${n}`]);
    await client.query('COMMIT');
    return rows[0]?.id ?? -1;
  }
}

describe('promotion of a pooled tenant to a database of its own', function () {
  let provider: PostgresDatabaseProvider;
  let pooled: PooledDatabaseProvider;

  before(function () {
    provider = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ silent: true }) });
    pooled = provider.pooled();
  });

  after(async function () {
    await provider.close();
  });

  /** A pooled tenant with 200 orders and a shared row, plus a neighbour whose shared row must stay. */
  async function pooledTenantWithData(prefix: string): Promise<{ spec: PromotionSpec; password: string }> {
    const pooledSpec = pooledTenantSpec(prefix);
    const password = generatePassword();
    await pooled.ensure(pooledSpec, password);
    await connectedAs(pooledSpec.roleName, password, poolDatabaseName, async (client) => {
      await client.query('CREATE TABLE orders (id serial PRIMARY KEY, note text NOT NULL, at timestamptz DEFAULT now())');
      await client.query(`INSERT INTO orders (note) SELECT 'seed ' || g FROM generate_series(1, 200) g`);
      await client.query(`INSERT INTO ${sharedTable} (key, value) VALUES ('plan', 'pooled')`);
    });
    const { schemaName: _schema, ...dedicated } = { ...pooledSpec, databaseName: databaseName({ metadata: { name: pooledSpec.tenant } }) };
    return { spec: { pooled: pooledSpec, dedicated }, password };
  }

  async function cleanUp(spec: PromotionSpec): Promise<void> {
    await pooled.dropFromPool(spec, soleActorFence);
    await provider.drop(spec.dedicated, soleActorFence);
  }

  /** What is left of the tenant in the pool: its schema, its shared rows, its CONNECT and its search_path there. */
  async function leftInPool(spec: PromotionSpec): Promise<Record<string, unknown>> {
    const [inPool] = await adminQuery(
      `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS schemas,
              (SELECT count(*)::int FROM ${sharedTable} WHERE tenant = $2) AS "sharedRows",
              has_schema_privilege($2, 'bulkhead_shared', 'USAGE') AS "sharedSchemaUsage",
              has_table_privilege($2, '${sharedTable}', 'SELECT') AS "sharedTableSelect"`,
      [spec.pooled.schemaName, spec.pooled.roleName],
      poolDatabaseName,
    );
    const [onServer] = await adminQuery(
      `SELECT has_database_privilege($1, $2, 'CONNECT') AS connect,
              (SELECT count(*)::int FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                WHERE d.datname = $2 AND s.setrole = (SELECT oid FROM pg_roles WHERE rolname = $1)) AS "poolSettings"`,
      [spec.pooled.roleName, poolDatabaseName],
    );
    return { ...inPool, ...onServer };
  }

  const nothingLeft = { schemas: 0, sharedRows: 0, sharedSchemaUsage: false, sharedTableSelect: false, connect: false, poolSettings: 0 };

  it('moves every row a writer committed throughout into its own database and leaves nothing in the pool', async function () {
    const { spec, password } = await pooledTenantWithData('promote-load');
    const writer = new Writer(spec.pooled.roleName, password);
    try {
      writer.start();
      await sleep(500);
      await provider.ensure(spec.dedicated, password);
      await sleep(300);
      await pooled.stopWrites(spec);
      await pooled.copyToOwnDatabase(spec, soleActorFence);
      assert.deepEqual((await pooled.verifyCopy(spec)).mismatches, []);
      writer.database = spec.dedicated.databaseName; // the cut-over: the Secret names its own database
      await pooled.dropFromPool(spec, soleActorFence);
      await sleep(500);
      await writer.stop();

      assert.ok(writer.committed.length > 10, `the writer committed ${writer.committed.length} rows`);
      const ids = await connectedAs(spec.dedicated.roleName, password, spec.dedicated.databaseName, async (client) => {
        const orders = await client.query<{ id: number }>('SELECT id FROM orders');
        return new Set(orders.rows.map((row) => row.id));
      });
      assert.deepEqual(
        writer.committed.filter((id) => !ids.has(id)),
        [],
        'every committed order is in its own database',
      );
      assert.ok(ids.size >= 200 + writer.committed.length, 'the seeded rows are there too');
      const [shared] = await adminQuery<{ rows: number; others: number }>(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE tenant <> $1)::int AS others FROM ${sharedTable}`,
        [spec.pooled.roleName],
        spec.dedicated.databaseName,
      );
      assert.ok((shared?.rows ?? 0) > 1 && shared?.others === 0, `its shared rows, and only its own: ${JSON.stringify(shared)}`);
      assert.deepEqual(await leftInPool(spec), nothingLeft);
      assert.match((await loginRefusal(spec.pooled.roleName, password, poolDatabaseName)) ?? 'connected', /permission denied for database/);
      assert.ok(writer.outageMs > 0 && writer.outageMs < 30_000, `write outage ${writer.outageMs} ms`);
      console.log(`      write outage during promotion, stop to cut-over: ${writer.outageMs} ms`);
    } finally {
      await writer.stop();
      await cleanUp(spec);
    }
  });

  it('finds a copy tampered with between copy and verification, naming the table, and keeps the schema in the pool', async function () {
    const { spec, password } = await pooledTenantWithData('promote-tamper');
    try {
      await provider.ensure(spec.dedicated, password);
      await pooled.stopWrites(spec);
      await pooled.copyToOwnDatabase(spec, soleActorFence);
      await adminQuery(`UPDATE "${spec.pooled.schemaName}".orders SET note = 'tampered' WHERE id = 7`, [], spec.dedicated.databaseName);
      assert.deepEqual((await pooled.verifyCopy(spec)).mismatches, [
        `${spec.pooled.schemaName}.orders: the same 200 rows in number, but their checksums differ`,
      ]);
      await adminQuery(`DELETE FROM ${sharedTable}`, [], spec.dedicated.databaseName);
      assert.deepEqual((await pooled.verifyCopy(spec)).mismatches, [
        `${spec.pooled.schemaName}.orders: the same 200 rows in number, but their checksums differ`,
        'bulkhead_shared.tenant_settings: 1 rows in the pool, 0 in the copy',
      ]);
      const [kept] = await adminQuery(`SELECT count(*)::int AS orders FROM "${spec.pooled.schemaName}".orders`, [], poolDatabaseName);
      assert.deepEqual(kept, { orders: 200 });
      await pooled.copyToOwnDatabase(spec, soleActorFence);
      const verified = await pooled.verifyCopy(spec);
      assert.deepEqual(verified.mismatches, [], 'a second copy from the pool, still the truth, matches');
      assert.deepEqual(
        verified.tables.map((table) => [table.table, table.rows]),
        [
          [`${spec.pooled.schemaName}.orders`, 200],
          ['bulkhead_shared.tenant_settings', 1],
        ],
      );
    } finally {
      await cleanUp(spec);
    }
  });

  it('passes the audit catalog checks as a dedicated tenant once promoted', async function () {
    const { spec, password } = await pooledTenantWithData('promote-audit');
    try {
      await provider.ensure(spec.dedicated, password);
      await pooled.stopWrites(spec);
      await pooled.copyToOwnDatabase(spec, soleActorFence);
      await pooled.dropFromPool(spec, soleActorFence);
      const catalog = await readIsolationCatalog(adminServer());
      const checks = judgeTenantCatalog({ name: spec.pooled.tenant, uid: spec.pooled.tenantUid, region: 'test' }, catalog);
      assert.deepEqual(
        checks.map((check) => `${check.id} ${check.result}`),
        ['database.acl pass', 'database.role pass', 'database.ownership-marker pass'],
      );
      assert.equal(await loginRefusal(spec.dedicated.roleName, password, spec.dedicated.databaseName), undefined);
    } finally {
      await cleanUp(spec);
    }
  });

  describe('after a kill -9', function () {
    const points = [
      { operation: 'stopWrites', crashAt: promotionCrashPoints.afterStopWrites },
      { operation: 'copy', crashAt: promotionCrashPoints.afterClearCopy },
      { operation: 'copy', crashAt: promotionCrashPoints.afterRestore },
      { operation: 'copy', crashAt: promotionCrashPoints.afterCopy },
      { operation: 'dropFromPool', crashAt: promotionCrashPoints.afterDropFromPool },
    ] as const;

    for (const { operation, crashAt } of points) {
      it(`converges on a verified copy and an empty pool when ${operation} dies at ${crashAt}`, async function () {
        const { spec, password } = await pooledTenantWithData(`promote-crash-${crashAt.replace(/\W/g, '-')}`);
        const steps = [
          ['stopWrites', () => pooled.stopWrites(spec)],
          ['copy', () => pooled.copyToOwnDatabase(spec, soleActorFence)],
          ['dropFromPool', () => pooled.dropFromPool(spec, soleActorFence)],
        ] as const;
        try {
          await provider.ensure(spec.dedicated, password);
          for (const [name, run] of steps) {
            if (name === operation) await crashDuring({ provider: 'promotion', operation, server: adminServer(), spec }, crashAt);
            await run(); // the step again, as the next reconcile runs it
            if (name === 'copy') assert.deepEqual((await pooled.verifyCopy(spec)).mismatches, []);
          }
          assert.deepEqual(await leftInPool(spec), nothingLeft);
          const [orders] = await adminQuery(
            `SELECT count(*)::int AS n FROM "${spec.pooled.schemaName}".orders`,
            [],
            spec.dedicated.databaseName,
          );
          assert.deepEqual(orders, { n: 200 });
        } finally {
          await cleanUp(spec);
        }
      });
    }
  });
});
