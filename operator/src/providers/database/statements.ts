/**
 * The DDL the provider issues, built as strings because PostgreSQL takes no parameters in DDL.
 * Every name goes through quoteIdentifier and every text through quoteLiteral; passwords appear
 * only as SCRAM verifiers. Pure functions, so statements.test.ts can read them.
 */
import { ownershipComment } from './ownership.js';
import { assertValidConnectionLimit } from './spec-validation.js';
import { quoteIdentifier, quoteLiteral } from './sql-quoting.js';
import type { TenantDatabaseSpec } from './types.js';

/**
 * What a tenant role may do: log in (unless the tenant is suspended), and nothing that reaches
 * beyond its own database. NOINHERIT so that a membership granted to it later does not silently
 * widen what it can touch.
 */
export function roleAttributes(spec: TenantDatabaseSpec): string {
  assertValidConnectionLimit(spec.connectionLimit);
  return `${spec.suspended ? 'NOLOGIN' : 'LOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT ${spec.connectionLimit}`;
}

export function createRole(spec: TenantDatabaseSpec, verifier: string): string {
  return `CREATE ROLE ${role(spec)} WITH ${roleAttributes(spec)} PASSWORD ${quoteLiteral(verifier)}`;
}

export function alterRoleAttributes(spec: TenantDatabaseSpec): string {
  return `ALTER ROLE ${role(spec)} WITH ${roleAttributes(spec)}`;
}

/** PostgreSQL stores a SCRAM verifier given as the password as is, without seeing the password. */
export function alterRolePassword(spec: TenantDatabaseSpec, verifier: string): string {
  return `ALTER ROLE ${role(spec)} WITH PASSWORD ${quoteLiteral(verifier)}`;
}

export function commentOnRole(spec: TenantDatabaseSpec): string {
  return `COMMENT ON ROLE ${role(spec)} IS ${quoteLiteral(ownershipComment(spec))}`;
}

/** From template0, so nothing anyone added to template1 is copied into a tenant's database. */
export function createDatabase(spec: TenantDatabaseSpec): string {
  return `CREATE DATABASE ${database(spec)} WITH OWNER ${role(spec)} TEMPLATE template0`;
}

export function alterDatabaseOwner(spec: TenantDatabaseSpec): string {
  return `ALTER DATABASE ${database(spec)} OWNER TO ${role(spec)}`;
}

/** By default every role may CONNECT to a new database and create TEMP tables in it. */
export function revokePublicOnDatabase(spec: TenantDatabaseSpec): string {
  return `REVOKE ALL ON DATABASE ${database(spec)} FROM PUBLIC`;
}

/**
 * Run inside the tenant's database. Schema public belongs to pg_database_owner, whose rights a
 * NOINHERIT role does not use, so the tenant's role is made its owner; then PUBLIC loses its USAGE.
 */
export function claimSchemaPublic(spec: TenantDatabaseSpec): string[] {
  return [`ALTER SCHEMA public OWNER TO ${role(spec)}`, 'REVOKE ALL ON SCHEMA public FROM PUBLIC'];
}

export function commentOnDatabase(spec: TenantDatabaseSpec): string {
  return `COMMENT ON DATABASE ${database(spec)} IS ${quoteLiteral(ownershipComment(spec))}`;
}

export function disableLogin(spec: TenantDatabaseSpec): string {
  return `ALTER ROLE ${role(spec)} WITH NOLOGIN`;
}

/**
 * Ends the sessions of one role (NOLOGIN stops new ones only), by its name as a parameter: no
 * identifier is spliced in, and no other role's session can match. The admin may signal them as a
 * superuser, or as a member of pg_signal_backend (which cannot signal a superuser's sessions).
 */
export const terminateRoleSessions =
  'SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()';

/**
 * DDL that destroys data. Not a string, so AdminConnection's query() and transaction() refuse it
 * at compile time: it runs only through AdminConnection.destroy(), behind the leadership fence.
 */
export class DestructiveSql {
  constructor(readonly sql: string) {}
}

/** WITH (FORCE) ends the sessions still connected to it, which would otherwise block the drop. */
export function dropDatabase(spec: TenantDatabaseSpec): DestructiveSql {
  return new DestructiveSql(`DROP DATABASE IF EXISTS ${database(spec)} WITH (FORCE)`);
}

/** Objects and grants the role holds in the admin database; DROP ROLE fails while any remain. */
export function dropOwnedByRole(spec: TenantDatabaseSpec): DestructiveSql {
  return new DestructiveSql(`DROP OWNED BY ${role(spec)}`);
}

export function dropRole(spec: TenantDatabaseSpec): DestructiveSql {
  return new DestructiveSql(`DROP ROLE IF EXISTS ${role(spec)}`);
}

/** Revokes what every role gets by default on a shared database (the admin database, template1). */
export function revokePublicOnSharedDatabase(name: string): string {
  return `REVOKE ALL ON DATABASE ${quoteIdentifier(name, 'the database name')} FROM PUBLIC`;
}

function role(spec: TenantDatabaseSpec): string {
  return quoteIdentifier(spec.roleName, 'the role name');
}

function database(spec: TenantDatabaseSpec): string {
  return quoteIdentifier(spec.databaseName, 'the database name');
}
