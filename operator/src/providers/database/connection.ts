/**
 * The provider's sessions with the server: a small pool of admin connections to the admin
 * database, plus one-off connections into a tenant's database for the few statements that must
 * run there. Connection and statement timeouts are always set, and every failure leaves here as a
 * classified DatabaseProviderError that names the operation and carries no secret. withSignal()
 * gives a view whose statements stop with a signal (see abortable.ts); DDL that destroys data runs
 * only through destroy(), behind the leadership fence.
 */
import pg from 'pg';
import { destructive, type LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import { untilAborted } from './abortable.js';
import { Slots, splitConnections, timed } from './connection-slots.js';
import { DatabaseOperationAborted, classifyDatabaseError } from './errors.js';
import type { DestructiveSql } from './statements.js';
import type { DatabaseProviderOptions, DatabaseServer } from './types.js';

const defaultConnectionTimeoutMillis = 5_000;
const defaultStatementTimeoutMillis = 30_000;
/** The most connections to one server at once (connection-slots.ts); the operator's configuration sets it. */
const defaultMaxConnections = 4;
const applicationName = 'bulkhead-operator';

/** What every view of one connection shares. */
interface Shared {
  pool: pg.Pool;
  /** Sessions inside tenant databases (and pg_dump), beside the pool, within the server's bound. */
  elsewhere: Slots;
  clientConfig: pg.ClientConfig;
  logger: Logger;
  waits: DatabaseProviderOptions['connectionWaits'];
}

export class AdminConnection {
  private readonly shared: Shared;
  /** Only the connection that opened the pool closes it, never one of its views. */
  private readonly owner: boolean;

  /** Opens a pool; `shared` and `signal` are for withSignal's views of it. */
  constructor(
    /** Where pg_dump connects, with the same admin credentials. */
    readonly server: DatabaseServer,
    options: DatabaseProviderOptions,
    shared?: Shared,
    private readonly signal?: AbortSignal,
  ) {
    this.shared = shared ?? openPool(server, options);
    this.owner = shared === undefined;
  }

  /** The same pool, with every statement stopped (and cancelled on the server) when `signal` aborts; closing it leaves the pool open. */
  withSignal(signal: AbortSignal): AdminConnection {
    return new AdminConnection(this.server, { logger: this.shared.logger }, this.shared, signal);
  }

  /** The signal this view's statements stop with, for the tools (pg_dump) that run beside them. */
  get abortSignal(): AbortSignal | undefined {
    return this.signal;
  }

  /** The admin database's name. */
  get adminDatabase(): string {
    return this.shared.clientConfig.database ?? 'postgres';
  }

  /** Runs one statement; `secrets` are cut out of any error message. */
  async query<R extends pg.QueryResultRow>(
    operation: string,
    sql: string,
    params: unknown[] = [],
    secrets: readonly string[] = [],
  ): Promise<R[]> {
    return this.withClient(operation, secrets, async (client) => (await client.query<R>(sql, params)).rows);
  }

  /** Runs statements in one transaction: all of them happen, or none. */
  async transaction(operation: string, statements: readonly string[], secrets: readonly string[] = []): Promise<void> {
    await this.withClient(operation, secrets, async (client) => {
      await client.query('BEGIN');
      try {
        for (const statement of statements) await client.query(statement);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Runs DDL that destroys data, marked as such by statements.ts, once the fence has confirmed
   * leadership: one statement alone (DROP DATABASE may not run in a transaction), several in one
   * transaction. query() and transaction() take only strings, so this is the one way to run it.
   */
  async destroy(fence: LeadershipFence, operation: string, statements: readonly DestructiveSql[]): Promise<void> {
    const sql = statements.map((statement) => statement.sql);
    await destructive(fence, operation, async () => {
      if (sql.length === 1) await this.query(operation, sql[0] ?? '');
      else await this.transaction(operation, sql);
    });
  }

  /** Runs `use` (pg_dump) holding the connection slot for sessions outside the pool. */
  async withSessionSlot<T>(use: () => Promise<T>): Promise<T> {
    return timed(this.shared.waits, 'other-database', () => this.shared.elsewhere.with(async () => use()));
  }

  /** Runs statements as the admin inside another database, on a connection of its own (within the server's bound). */
  async inDatabase(database: string, operation: string, statements: readonly string[]): Promise<void> {
    await this.withSessionSlot(() =>
      this.inDatabaseNow(database, operation, async (client) => {
        for (const statement of statements) await client.query(statement);
      }),
    );
  }

  /** Runs one read (with parameters) as the admin inside another database, as inDatabase does. */
  async queryInDatabase<R extends pg.QueryResultRow>(
    database: string,
    operation: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    return this.withSessionSlot(() => this.inDatabaseNow(database, operation, async (client) => (await client.query<R>(sql, params)).rows));
  }

  /** Runs statements in one transaction as the admin inside another database: all of them happen, or none. */
  async transactionInDatabase(database: string, operation: string, statements: readonly string[]): Promise<void> {
    await this.inDatabase(database, operation, ['BEGIN', ...statements, 'COMMIT']);
  }

  /**
   * Runs DDL that destroys data inside another database, in one transaction, once the fence has
   * confirmed leadership: destroy() for the statements that must run where the objects are (DROP SCHEMA).
   */
  async destroyInDatabase(
    fence: LeadershipFence,
    database: string,
    operation: string,
    statements: readonly DestructiveSql[],
  ): Promise<void> {
    const sql = statements.map((statement) => statement.sql);
    await destructive(fence, operation, () => this.transactionInDatabase(database, operation, sql));
  }

  private async inDatabaseNow<T>(database: string, operation: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
    this.throwIfAborted(operation);
    const client = new pg.Client({ ...this.shared.clientConfig, database });
    client.on('error', () => undefined); // a late socket error after end() must not crash the process
    try {
      return await untilAborted(
        this.abortable(client),
        (async () => {
          await client.connect();
          return use(client);
        })(),
      );
    } catch (error) {
      throw this.failure(error, operation, []);
    } finally {
      // Ending the session rolls back a transaction a failed statement left open.
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.owner) await this.shared.pool.end();
  }

  /** Runs `use` on a pooled client, discarding the client (not returning it to the pool) if anything failed. */
  private async withClient<T>(operation: string, secrets: readonly string[], use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.throwIfAborted(operation);
    let client: pg.PoolClient | undefined;
    let failed = false;
    try {
      const { pool } = this.shared;
      client = await timed(this.shared.waits, 'admin-pool', () => pool.connect());
      return await untilAborted(this.abortable(client), use(client));
    } catch (error) {
      failed = true;
      throw this.failure(error, operation, secrets);
    } finally {
      client?.release(failed);
    }
  }

  private abortable(client: pg.ClientBase): { signal: AbortSignal | undefined; cancel: () => Promise<void> } {
    return { signal: this.signal, cancel: () => this.cancelBackend(client) };
  }

  private throwIfAborted(operation: string): void {
    if (this.signal?.aborted) throw new DatabaseOperationAborted(`${operation}: aborted before it started`);
  }

  private failure(error: unknown, operation: string, secrets: readonly string[]): Error {
    if (this.signal?.aborted) return new DatabaseOperationAborted(`${operation}: aborted; the server was asked to cancel it`);
    return classifyDatabaseError(error, operation, secrets);
  }

  /** Asks the server, from a session of its own, to cancel what `client`'s session is running. Best effort. */
  private async cancelBackend(client: pg.ClientBase): Promise<void> {
    // node-postgres takes no AbortSignal; the session's backend pid is how the server names it.
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid === undefined) return;
    const canceller = new pg.Client(this.shared.clientConfig);
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch (error) {
      this.shared.logger.warn('Could not cancel an aborted statement', {
        error: classifyDatabaseError(error, 'cancelling a statement').message,
      });
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }
}

function openPool(server: DatabaseServer, options: DatabaseProviderOptions): Shared {
  const clientConfig: pg.ClientConfig = {
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    database: server.adminDatabase ?? 'postgres',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? defaultConnectionTimeoutMillis,
    statement_timeout: options.statementTimeoutMillis ?? defaultStatementTimeoutMillis,
    application_name: applicationName,
  };
  const split = splitConnections(options.maxConnections ?? defaultMaxConnections);
  const pool = new pg.Pool({ ...clientConfig, max: split.pool, idleTimeoutMillis: 30_000 });
  // An idle client's error (the server restarted) is emitted on the pool; unheard, it would crash the process.
  pool.on('error', (error) => logPoolError(options.logger, error));
  return { pool, elsewhere: new Slots(split.elsewhere), clientConfig, logger: options.logger, waits: options.connectionWaits };
}

function logPoolError(logger: Logger, error: Error): void {
  logger.warn('Lost an idle connection to the PostgreSQL server', { error: classifyDatabaseError(error, 'idle connection').message });
}
