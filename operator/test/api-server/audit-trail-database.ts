/**
 * A PostgreSQL database for the API's audit trail in a spec, set up as a platform engineer would
 * (docs/api.md): as the superuser, a database and a login role for the API; the table and its
 * append-only triggers created by their owner (the superuser here) with `bulkhead audit-trail
 * init`; the API's role granted only INSERT and SELECT. The API then connects as that role.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { testEnvironment } from '@bulkhead/testenv';
import type { AuditRecord } from '../../src/api-server/audit-trail/record.js';
import type { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { quoteIdentifier, quoteLiteral } from '../../src/providers/database/sql-quoting.js';

export const bulkheadBin = fileURLToPath(new URL('../../bin/bulkhead.js', import.meta.url));
const run = promisify(execFile);

export interface TrailDatabase {
  database: string;
  apiRole: string;
  /** The API's connection: the role with INSERT and SELECT only. */
  apiUrl: string;
  /** The superuser's connection to the same database (the owner of the table). */
  superuserUrl: string;
  drop(): Promise<void>;
}

function urlFor(user: string, password: string, database: string): string {
  const { host, port } = testEnvironment().postgres;
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`;
}

export async function withSuperuser<T>(database: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const { user, password } = testEnvironment().postgres;
  const client = new pg.Client({ connectionString: urlFor(user, password, database) });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}

/** Runs `bulkhead audit-trail <args>` as a child process against `url`; never throws on a non-zero exit. */
export async function bulkheadAuditTrail(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bulkheadBin, 'audit-trail', ...args], {
      env: { ...process.env, BULKHEAD_AUDIT_TRAIL_URL: url },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `init: false` leaves the table to the caller (a spec that sets up an older one), and grants nothing. */
export async function createTrailDatabase(name: string, options: { init?: boolean } = {}): Promise<TrailDatabase> {
  const apiRole = `${name}_api`;
  const apiPassword = randomBytes(18).toString('base64url');
  await withSuperuser('postgres', async (client) => {
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    await client.query(`CREATE ROLE ${quoteIdentifier(apiRole)} LOGIN PASSWORD ${quoteLiteral(apiPassword)}`);
  });
  const { user, password } = testEnvironment().postgres;
  const superuserUrl = urlFor(user, password, name);
  if (options.init ?? true) {
    const init = await bulkheadAuditTrail(superuserUrl, 'init', '--grant', apiRole);
    if (init.code !== 0) throw new Error(`bulkhead audit-trail init failed: ${init.stderr}`);
  }
  return {
    database: name,
    apiRole,
    apiUrl: urlFor(apiRole, apiPassword, name),
    superuserUrl,
    drop: () =>
      withSuperuser('postgres', async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS ${quoteIdentifier(apiRole)}`);
      }),
  };
}

export async function allRecords(trail: PgAuditTrail): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const record of trail.records()) records.push(record);
  return records;
}

/**
 * The records of one call (its attempt and, once the response was sent, its outcome). The outcome
 * is written after the response, so wait for it rather than for a fixed time.
 */
export async function recordsOfCall(trail: PgAuditTrail, requestId: string): Promise<AuditRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = (await allRecords(trail)).filter((record) => record.requestId === requestId);
    if (records.length >= 2 || Date.now() > deadline) return records;
    await sleep(50);
  }
}
