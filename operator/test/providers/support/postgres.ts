/**
 * Helpers for the database provider specs: the test server as a DatabaseServer, unique tenant
 * specs, and connections made the way a tenant's workload would make them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { testEnvironment } from '@bulkhead/testenv';
import { databaseName, roleName } from '../../../src/api/names.js';
import type { DatabaseServer, TenantDatabaseSpec } from '../../../src/providers/database/index.js';
import { poolDatabaseName, type PooledTenantSpec } from '../../../src/providers/database/pooled/index.js';

/** A suffix that keeps this run's tenants apart from other runs and specs on the shared servers. */
export const runId = randomBytes(3).toString('hex');

export function adminServer(): DatabaseServer {
  const { postgres } = testEnvironment();
  return { host: postgres.host, port: postgres.port, adminUser: postgres.user, adminPassword: postgres.password };
}

/** The spec the tenant controller would derive for tenant `<prefix>-<run>`, with a fresh UID. */
export function tenantDatabaseSpec(prefix: string, tenantUid: string = randomUUID()): TenantDatabaseSpec {
  const tenant = `${prefix}-${runId}`;
  const metadata = { name: tenant };
  return { tenant, tenantUid, databaseName: databaseName({ metadata }), roleName: roleName({ metadata }), connectionLimit: 5 };
}

/** Runs `use` on a connection as `user`, closing it afterwards. */
export async function connectedAs<T>(user: string, password: string, database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const { postgres } = testEnvironment();
  const client = new pg.Client({ host: postgres.host, port: postgres.port, user, password, database, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Undefined when `user` can log in to `database`; otherwise the server's reason. */
export async function loginRefusal(user: string, password: string, database: string): Promise<string | undefined> {
  try {
    await connectedAs(user, password, database, async (client) => client.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** One query as the test server's superuser. */
export async function adminQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
  const { postgres } = testEnvironment();
  return connectedAs(postgres.user, postgres.password, database, async (client) => (await client.query<R>(sql, params)).rows);
}

/** How many roles and databases on the server carry this tenant UID in their Bulkhead mark. */
export async function objectsMarkedWith(tenantUid: string): Promise<{ roles: number; databases: number }> {
  const pattern = `%"tenantUid":"${tenantUid}"%`;
  const [counts] = await adminQuery<{ roles: number; databases: number }>(
    `SELECT (SELECT count(*)::int FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE $1) AS roles,
            (SELECT count(*)::int FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE $1) AS databases`,
    [pattern],
  );
  return counts ?? { roles: 0, databases: 0 };
}

/** The spec the tenant controller would derive for pooled tenant `<prefix>-<run>`: its schema in the pool, named as its role. */
export function pooledTenantSpec(prefix: string, tenantUid: string = randomUUID()): PooledTenantSpec {
  const spec = tenantDatabaseSpec(prefix, tenantUid);
  return { ...spec, databaseName: poolDatabaseName, schemaName: spec.roleName };
}
