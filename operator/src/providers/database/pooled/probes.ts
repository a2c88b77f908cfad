/**
 * What a pooled tenant's own login can do in the pool, asked the way its workload would ask, for
 * the audit: can this role use that schema, and does the shared table show it any row not its own?
 * Reads only. The password never leaves here; the server's messages are kept with it cut out.
 */
import pg from 'pg';
import { classifyAttempt, type LoginCredentials } from '../connection-attempt.js';
import { connectWithin } from '../connect-deadline.js';
import { quoteIdentifier } from '../sql-quoting.js';
import { poolDatabaseName } from './names.js';
import { sharedTable } from './statements.js';

/** A table that never exists: naming it needs USAGE on the schema first, so the error tells whether the schema is open. */
const probeTable = 'bulkhead_audit_probe';
const permissionDenied = '42501';
const undefinedTable = '42P01';

/**
 * refused: permission denied for the schema; reachable: the role may look inside it (USAGE);
 * unanswered: the login or the server failed, so the question went unanswered.
 */
export interface SchemaProbe {
  outcome: 'refused' | 'reachable' | 'unanswered';
  sqlState?: string;
  message?: string;
}

/** Rows of the shared table the login sees that are not its own; undefined with `problem` when not answered. */
export interface RowProbe {
  foreignRows?: number;
  problem?: string;
}

async function asLogin<T>(credentials: LoginCredentials, timeoutMillis: number, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: credentials.host,
    port: credentials.port,
    user: credentials.username,
    password: credentials.password,
    database: poolDatabaseName,
    statement_timeout: 5_000,
    application_name: 'bulkhead-audit',
  });
  client.on('error', () => undefined);
  try {
    await connectWithin(client, timeoutMillis);
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function probeSchema(credentials: LoginCredentials, schema: string, timeoutMillis = 5_000): Promise<SchemaProbe> {
  try {
    await asLogin(credentials, timeoutMillis, (client) =>
      client.query(`SELECT 1 FROM ${quoteIdentifier(schema, 'the schema name')}.${probeTable} LIMIT 0`),
    );
    return { outcome: 'reachable', message: `a table ${probeTable} exists in ${schema} and was readable` };
  } catch (error) {
    const attempt = classifyAttempt(error, credentials.password);
    if (attempt.sqlState === permissionDenied) return { outcome: 'refused', sqlState: attempt.sqlState, message: attempt.message };
    if (attempt.sqlState === undefinedTable) return { outcome: 'reachable', sqlState: attempt.sqlState, message: attempt.message };
    return { outcome: 'unanswered', ...(attempt.sqlState ? { sqlState: attempt.sqlState } : {}), message: attempt.message };
  }
}

export async function probeSharedRows(credentials: LoginCredentials, timeoutMillis = 5_000): Promise<RowProbe> {
  try {
    const rows = await asLogin(credentials, timeoutMillis, async (client) => {
      return (await client.query<{ others: number }>(`SELECT count(*)::int AS others FROM ${sharedTable} WHERE tenant <> current_user`))
        .rows;
    });
    return { foreignRows: rows[0]?.others ?? 0 };
  } catch (error) {
    return { problem: classifyAttempt(error, credentials.password).message ?? 'unknown error' };
  }
}
