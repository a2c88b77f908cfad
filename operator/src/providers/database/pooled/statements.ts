/**
 * The DDL of the pool, built as strings (DDL takes no parameters) with every name through
 * quoteIdentifier and every text through quoteLiteral, as ../statements.ts does for the dedicated
 * tier. Pure functions, so statements.test.ts can read them.
 */
import { ownershipComment } from '../ownership.js';
import { quoteIdentifier, quoteLiteral } from '../sql-quoting.js';
import { DestructiveSql } from '../statements.js';
import { poolDatabaseName, poolOwnerRole, sharedSchemaName, sharedTableName, sharedTablePrivileges, tenantRowPolicyName } from './names.js';
import type { PooledTenantSpec } from './types.js';

/** What Bulkhead writes into the pool database's COMMENT; its presence means the pool was finished. */
export const poolMarker = JSON.stringify({ managedBy: 'bulkhead', pool: poolDatabaseName });

const owner = quoteIdentifier(poolOwnerRole, 'the pool owner role');
const pool = quoteIdentifier(poolDatabaseName, 'the pool database name');
const sharedSchema = quoteIdentifier(sharedSchemaName, 'the shared schema name');
/** The shared table, schema-qualified. */
export const sharedTable = `${sharedSchema}.${quoteIdentifier(sharedTableName, 'the shared table name')}`;

/** The shared table's columns: the pool's copy and a promoted tenant's own copy (promotion-statements.ts) are made alike. */
export const sharedTableColumns = '(tenant name NOT NULL DEFAULT current_user, key text NOT NULL, value text, PRIMARY KEY (tenant, key))';

/** NOLOGIN and nothing else: it only owns the pool's objects, so that no tenant role owns a shared one. */
export function createPoolOwner(): string[] {
  return [
    `CREATE ROLE ${owner} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT`,
    `COMMENT ON ROLE ${owner} IS ${quoteLiteral(poolMarker)}`,
  ];
}

/** From template0, like a tenant database, so nothing added to template1 reaches the pool. */
export function createPoolDatabase(): string {
  return `CREATE DATABASE ${pool} WITH OWNER ${owner} TEMPLATE template0`;
}

/** Run in the admin database once the pool is set up: closed to PUBLIC (CONNECT, TEMP), then marked finished. */
export function finishPoolDatabase(): string[] {
  return [`REVOKE ALL ON DATABASE ${pool} FROM PUBLIC`, `COMMENT ON DATABASE ${pool} IS ${quoteLiteral(poolMarker)}`];
}

/**
 * The row-level security template, for every table pooled tenants share: a `tenant` column that
 * defaults to the writing role, a policy that shows and accepts only the current role's rows, FORCE
 * so that even the table's owner is held to it, and the table owned by the pool owner, never by a
 * tenant role (an owner could switch RLS off). PostgreSQL superusers still bypass it: the operator's
 * admin, nobody else.
 */
export function rowSecurityTemplate(table: string): string[] {
  const policy = quoteIdentifier(tenantRowPolicyName, 'the policy name');
  return [
    `ALTER TABLE ${table} OWNER TO ${owner}`,
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS ${policy} ON ${table}`,
    `CREATE POLICY ${policy} ON ${table} AS PERMISSIVE FOR ALL TO PUBLIC USING (tenant = current_user) WITH CHECK (tenant = current_user)`,
    `REVOKE ALL ON TABLE ${table} FROM PUBLIC`,
  ];
}

/**
 * Run in the pool database, in one transaction, whenever the pool is not as it should be: schema
 * public closed, the shared schema and table (re)made and held to the template. Every statement
 * may run again.
 */
export function setUpPool(): string[] {
  return [
    'REVOKE ALL ON SCHEMA public FROM PUBLIC',
    `ALTER SCHEMA public OWNER TO ${owner}`,
    `CREATE SCHEMA IF NOT EXISTS ${sharedSchema} AUTHORIZATION ${owner}`,
    `ALTER SCHEMA ${sharedSchema} OWNER TO ${owner}`,
    `REVOKE ALL ON SCHEMA ${sharedSchema} FROM PUBLIC`,
    `CREATE TABLE IF NOT EXISTS ${sharedTable} ${sharedTableColumns}`,
    ...rowSecurityTemplate(sharedTable),
  ];
}

/** CONNECT only: no TEMP, so a pooled role makes nothing outside its schema. */
export function grantConnectOnPool(spec: PooledTenantSpec): string {
  return `GRANT CONNECT ON DATABASE ${pool} TO ${role(spec)}`;
}

/** The privileges a pooled role holds outside its own schema: the shared schema and tables, rows under RLS. */
export function grantShared(spec: PooledTenantSpec): string[] {
  return [
    `GRANT USAGE ON SCHEMA ${sharedSchema} TO ${role(spec)}`,
    `GRANT ${sharedTablePrivileges.join(', ')} ON TABLE ${sharedTable} TO ${role(spec)}`,
  ];
}

/**
 * Run in the pool database, in one transaction: the schema, owned by the pool owner so that the
 * tenant cannot grant it to anyone, marked with the tenant's UID, and opened to the tenant's role
 * alone (USAGE, CREATE: the tables it makes there are its own).
 */
export function createTenantSchema(spec: PooledTenantSpec): string[] {
  return [
    `CREATE SCHEMA ${schema(spec)} AUTHORIZATION ${owner}`,
    `COMMENT ON SCHEMA ${schema(spec)} IS ${quoteLiteral(ownershipComment(spec))}`,
    grantOnSchema(spec),
    ...grantShared(spec),
  ];
}

export function grantOnSchema(spec: PooledTenantSpec): string {
  return `GRANT USAGE, CREATE ON SCHEMA ${schema(spec)} TO ${role(spec)}`;
}

export function alterSchemaOwner(spec: PooledTenantSpec): string {
  return `ALTER SCHEMA ${schema(spec)} OWNER TO ${owner}`;
}

/** Takes every privilege on the tenant's schema from a role that is not the tenant's (PUBLIC included). */
export function revokeOnSchema(spec: PooledTenantSpec, grantee: string): string {
  const from = grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdentifier(grantee, 'the grantee');
  return `REVOKE ALL ON SCHEMA ${schema(spec)} FROM ${from} CASCADE`;
}

/** In the pool database only, so the role's sessions start in its own schema. */
export function setSearchPath(spec: PooledTenantSpec): string {
  return `ALTER ROLE ${role(spec)} IN DATABASE ${pool} SET search_path TO ${schema(spec)}`;
}

/**
 * Run in the pool database as one transaction, behind the fence: the tenant's rows in the shared
 * tables, its schema with everything in it, and what its role still owns or holds there.
 */
export function dropTenantFromPool(spec: PooledTenantSpec, parts: { schema: boolean; role: boolean }): DestructiveSql[] {
  const statements: DestructiveSql[] = [];
  if (parts.role) statements.push(new DestructiveSql(`DELETE FROM ${sharedTable} WHERE tenant = ${quoteLiteral(spec.roleName)}`));
  if (parts.schema) statements.push(new DestructiveSql(`DROP SCHEMA IF EXISTS ${schema(spec)} CASCADE`));
  if (parts.role) statements.push(new DestructiveSql(`DROP OWNED BY ${role(spec)}`));
  return statements;
}

function role(spec: PooledTenantSpec): string {
  return quoteIdentifier(spec.roleName, 'the role name');
}

function schema(spec: PooledTenantSpec): string {
  return quoteIdentifier(spec.schemaName, 'the schema name');
}
