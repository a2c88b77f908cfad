/**
 * Reads what exists on the server for a tenant: its role (attributes, marker, SCRAM verifier) and
 * its database (owner, marker, whether PUBLIC still holds privileges on it). Reads only, with
 * parameters, so that a steady-state ensure is two catalog queries and no writes.
 */
import type { AdminConnection } from './connection.js';
import type { ObservedDatabase, ObservedRole } from './ownership.js';
import type { TenantDatabaseSpec } from './types.js';

export interface RoleState extends ObservedRole {
  canLogin: boolean;
  /** True when any of SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS or INHERIT is set. */
  hasExtraPrivileges: boolean;
  connectionLimit: number;
  /** pg_authid.rolpassword: a SCRAM verifier, an md5 hash or null. Never logged. */
  verifier: string | null;
}

export interface DatabaseState extends ObservedDatabase {
  /** True while PUBLIC holds any privilege on it, including the default CONNECT and TEMP. */
  publicHasPrivileges: boolean;
}

export interface TenantObjects {
  role: RoleState | undefined;
  database: DatabaseState | undefined;
}

const roleQuery = `
  SELECT shobj_description(oid, 'pg_authid') AS comment,
         rolcanlogin AS "canLogin",
         (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR rolinherit) AS "hasExtraPrivileges",
         rolconnlimit AS "connectionLimit",
         rolpassword AS verifier
    FROM pg_authid WHERE rolname = $1`;

// datacl NULL means the defaults, which grant CONNECT and TEMPORARY to PUBLIC (grantee 0).
const databaseQuery = `
  SELECT shobj_description(oid, 'pg_database') AS comment,
         pg_get_userbyid(datdba) AS owner,
         (datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(datacl) AS acl WHERE acl.grantee = 0)) AS "publicHasPrivileges"
    FROM pg_database WHERE datname = $1`;

export async function readRole(connection: AdminConnection, roleName: string): Promise<RoleState | undefined> {
  const rows = await connection.query<RoleState & Record<string, unknown>>('reading the tenant role from pg_authid', roleQuery, [roleName]);
  return rows[0];
}

export async function readDatabase(connection: AdminConnection, databaseName: string): Promise<DatabaseState | undefined> {
  const rows = await connection.query<DatabaseState & Record<string, unknown>>('reading the tenant database', databaseQuery, [
    databaseName,
  ]);
  return rows[0];
}

export async function readTenantObjects(connection: AdminConnection, spec: TenantDatabaseSpec): Promise<TenantObjects> {
  const [role, database] = await Promise.all([readRole(connection, spec.roleName), readDatabase(connection, spec.databaseName)]);
  return { role, database };
}
