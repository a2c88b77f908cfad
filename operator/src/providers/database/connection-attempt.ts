/**
 * One login attempt with a tenant's own credentials, for the audit's tenant-by-tenant matrix: can
 * this role open that database and run a statement? The server's answer is classified, and its
 * message kept for evidence with the password cut out; the password itself never leaves here.
 */
import pg from 'pg';
import { connectWithin } from './connect-deadline.js';
import { scrub } from './errors.js';

export interface LoginCredentials {
  host: string;
  port: number;
  username: string;
  password: string;
}

/**
 * allowed: logged in and `select 1` answered; refused: the server said no (SQLSTATE 42501
 * permission denied for database, 28000 no pg_hba entry or NOLOGIN, 28P01 wrong password);
 * missing: no such database (3D000); unreachable: the server could not be asked.
 */
export type AttemptOutcome = 'allowed' | 'refused' | 'missing' | 'unreachable';

export interface ConnectionAttempt {
  outcome: AttemptOutcome;
  sqlState?: string;
  /** The server's or the driver's message, without the password. */
  message?: string;
}

const refusedStates = ['42501', '28000', '28P01'];

export interface AttemptOptions {
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
}

export async function attemptConnection(
  credentials: LoginCredentials,
  database: string,
  options: AttemptOptions = {},
): Promise<ConnectionAttempt> {
  const client = new pg.Client({
    host: credentials.host,
    port: credentials.port,
    user: credentials.username,
    password: credentials.password,
    database,
    statement_timeout: options.statementTimeoutMillis ?? 5_000,
    application_name: 'bulkhead-audit',
  });
  client.on('error', () => undefined); // a late socket error after end() must not crash the process
  try {
    // Not pg's own timer: time the event loop was held is not time the server took (connect-deadline.ts).
    await connectWithin(client, options.connectionTimeoutMillis ?? 5_000);
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    return rows[0]?.one === 1 ? { outcome: 'allowed' } : { outcome: 'unreachable', message: 'select 1 returned no row' };
  } catch (error) {
    return classifyAttempt(error, credentials.password);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A failed attempt's outcome; exported for unit tests. */
export function classifyAttempt(error: unknown, password: string): ConnectionAttempt {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const text = scrub(typeof message === 'string' ? message : String(error), [password]);
  const detail = { ...(sqlState ? { sqlState } : {}), message: text };
  if (sqlState !== undefined && refusedStates.includes(sqlState)) return { outcome: 'refused', ...detail };
  if (sqlState === '3D000') return { outcome: 'missing', ...detail };
  // Anything else (no route, timeout, out of connection slots) means the question went unanswered.
  return { outcome: 'unreachable', ...detail };
}
