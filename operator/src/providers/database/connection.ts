/**
 * The provider's sessions with the server: a small pool of admin connections to the admin
 * database, plus one-off connections into a tenant's database for the few statements that must
 * run there. Connection and statement timeouts are always set, and every failure leaves here as a
 * classified DatabaseProviderError that names the operation and carries no secret.
 */
import pg from 'pg';
import type { Logger } from '../../runtime/logging.js';
import { classifyDatabaseError } from './errors.js';
import type { DatabaseProviderOptions, DatabaseServer } from './types.js';

const defaultConnectionTimeoutMillis = 5_000;
const defaultStatementTimeoutMillis = 30_000;
const defaultMaxConnections = 4;
const applicationName = 'bulkhead-operator';

export class AdminConnection {
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;

  constructor(
    /** Where pg_dump connects, with the same admin credentials. */
    readonly server: DatabaseServer,
    options: DatabaseProviderOptions,
  ) {
    this.clientConfig = {
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
      database: server.adminDatabase ?? 'postgres',
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? defaultConnectionTimeoutMillis,
      statement_timeout: options.statementTimeoutMillis ?? defaultStatementTimeoutMillis,
      application_name: applicationName,
    };
    this.pool = new pg.Pool({ ...this.clientConfig, max: options.maxConnections ?? defaultMaxConnections, idleTimeoutMillis: 30_000 });
    // An idle client's error (the server restarted) is emitted on the pool; unheard, it would crash the process.
    this.pool.on('error', (error) => logPoolError(options.logger, error));
  }

  /** The admin database's name. */
  get adminDatabase(): string {
    return this.clientConfig.database ?? 'postgres';
  }

  /** Runs one statement; `secrets` are cut out of any error message. */
  async query<R extends pg.QueryResultRow>(operation: string, sql: string, params: unknown[] = [], secrets: readonly string[] = []): Promise<R[]> {
    try {
      const result = await this.pool.query<R>(sql, params);
      return result.rows;
    } catch (error) {
      throw classifyDatabaseError(error, operation, secrets);
    }
  }

  /** Runs statements in one transaction: all of them happen, or none. */
  async transaction(operation: string, statements: readonly string[], secrets: readonly string[] = []): Promise<void> {
    let client: pg.PoolClient | undefined;
    let failed = false;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      for (const statement of statements) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      failed = true;
      await client?.query('ROLLBACK').catch(() => undefined);
      throw classifyDatabaseError(error, operation, secrets);
    } finally {
      // A client that failed mid-transaction is discarded rather than handed to the next caller.
      client?.release(failed);
    }
  }

  /** Runs statements as the admin inside another database, on a connection of its own. */
  async inDatabase(database: string, operation: string, statements: readonly string[]): Promise<void> {
    const client = new pg.Client({ ...this.clientConfig, database });
    client.on('error', () => undefined); // a late socket error after end() must not crash the process
    try {
      await client.connect();
      for (const statement of statements) await client.query(statement);
    } catch (error) {
      throw classifyDatabaseError(error, operation);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function logPoolError(logger: Logger, error: Error): void {
  logger.warn('Lost an idle connection to the PostgreSQL server', { error: classifyDatabaseError(error, 'idle connection').message });
}
