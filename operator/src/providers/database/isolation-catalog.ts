/**
 * What the server's catalog says about isolation, read once per server for the audit: every
 * database's owner, effective ACL and ownership marker, every role's attributes and marker, and
 * every role membership. Reads only, from catalogs any login may read (pg_roles, not pg_authid).
 *
 * One session, one statement (so one snapshot of the three catalogs), closed before the audit's
 * logins start: the audit holds at most one connection for it per server (docs/decisions/0039).
 * Its connect deadline does not count time the event loop was held (connect-deadline.ts).
 */
import pg from 'pg';
import { connectWithin } from './connect-deadline.js';
import { classifyDatabaseError } from './errors.js';
import type { DatabaseServer } from './types.js';

export interface CatalogDatabase {
  name: string;
  owner: string;
  comment: string | null;
  /** The effective ACL: datacl, or the defaults when it is NULL. Grantee PUBLIC is written `PUBLIC`. */
  acl: { grantee: string; privilege: string }[];
}

export interface CatalogRole {
  name: string;
  comment: string | null;
  superuser: boolean;
  createDatabase: boolean;
  createRole: boolean;
  replication: boolean;
  bypassRls: boolean;
  inherit: boolean;
  canLogin: boolean;
}

export interface CatalogMembership {
  /** The role granted. */
  role: string;
  /** The role it is granted to. */
  member: string;
}

export interface IsolationCatalog {
  databases: CatalogDatabase[];
  roles: CatalogRole[];
  memberships: CatalogMembership[];
}

// A NULL datacl means the defaults, which grant CONNECT and TEMPORARY to PUBLIC: acldefault spells them out.
const databasesQuery = `
  SELECT d.datname AS name, pg_get_userbyid(d.datdba) AS owner, shobj_description(d.oid, 'pg_database') AS comment,
         COALESCE((SELECT json_agg(json_build_object(
                    'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                    'privilege', a.privilege_type) ORDER BY a.grantee, a.privilege_type)
                   FROM aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) AS a), '[]'::json) AS acl
    FROM pg_database d WHERE NOT d.datistemplate`;

const rolesQuery = `
  SELECT rolname AS name, shobj_description(oid, 'pg_authid') AS comment, rolsuper AS superuser, rolcreatedb AS "createDatabase",
         rolcreaterole AS "createRole", rolreplication AS replication, rolbypassrls AS "bypassRls", rolinherit AS inherit,
         rolcanlogin AS "canLogin"
    FROM pg_roles`;

const membershipsQuery = `
  SELECT pg_get_userbyid(roleid) AS role, pg_get_userbyid(member) AS member FROM pg_auth_members`;

/** The three reads as one statement: one row, one JSON array per catalog, each in a fixed order. */
export const isolationCatalogQuery = `
  SELECT (SELECT COALESCE(json_agg(d ORDER BY d.name), '[]'::json) FROM (${databasesQuery}) d) AS databases,
         (SELECT COALESCE(json_agg(r ORDER BY r.name), '[]'::json) FROM (${rolesQuery}) r) AS roles,
         (SELECT COALESCE(json_agg(m ORDER BY m.role, m.member), '[]'::json) FROM (${membershipsQuery}) m) AS memberships`;

export interface CatalogReadOptions {
  /** Waiting for the server to accept the session, not counting time the event loop was held; default 5000. */
  connectionTimeoutMillis?: number;
  /** The statement's statement_timeout; default 30000. */
  statementTimeoutMillis?: number;
}

/** What readIsolationCatalog needs of a session: one query. */
export interface CatalogSession {
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
}

const operation = 'reading the catalog for the audit';

/** The catalog as one session's one statement sees it. */
export async function readCatalogFrom(session: CatalogSession): Promise<IsolationCatalog> {
  const { rows } = await session.query(isolationCatalogQuery);
  const row = rows[0] as unknown as IsolationCatalog | undefined;
  if (!row) throw new Error(`${operation}: the server returned no row`);
  return { databases: row.databases, roles: row.roles, memberships: row.memberships };
}

/**
 * Reads the catalog of `server` as its admin on a session of its own, closed afterwards. Failures
 * leave as a DatabaseProviderError naming the operation (never the password).
 */
export async function readIsolationCatalog(server: DatabaseServer, options: CatalogReadOptions = {}): Promise<IsolationCatalog> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    database: server.adminDatabase ?? 'postgres',
    statement_timeout: options.statementTimeoutMillis ?? 30_000,
    application_name: 'bulkhead-audit',
  });
  client.on('error', () => undefined); // a late socket error after end() must not crash the process
  try {
    await connectWithin(client, options.connectionTimeoutMillis ?? 5_000);
    return await readCatalogFrom(client);
  } catch (error) {
    throw classifyDatabaseError(error, operation, [server.adminPassword]);
  } finally {
    await client.end().catch(() => undefined);
  }
}
