/**
 * What the server's catalog says about isolation, read once per server for the audit: every
 * database's owner, effective ACL and ownership marker, every role's attributes and marker, and
 * every role membership. Reads only, from catalogs any login may read (pg_roles, not pg_authid).
 */
import type { AdminConnection } from './connection.js';

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
    FROM pg_database d WHERE NOT d.datistemplate ORDER BY d.datname`;

const rolesQuery = `
  SELECT rolname AS name, shobj_description(oid, 'pg_authid') AS comment, rolsuper AS superuser, rolcreatedb AS "createDatabase",
         rolcreaterole AS "createRole", rolreplication AS replication, rolbypassrls AS "bypassRls", rolinherit AS inherit,
         rolcanlogin AS "canLogin"
    FROM pg_roles ORDER BY rolname`;

const membershipsQuery = `
  SELECT pg_get_userbyid(roleid) AS role, pg_get_userbyid(member) AS member FROM pg_auth_members ORDER BY 1, 2`;

export async function readIsolationCatalog(connection: AdminConnection): Promise<IsolationCatalog> {
  const [databases, roles, memberships] = await Promise.all([
    connection.query<CatalogDatabase & Record<string, unknown>>('reading the databases for the audit', databasesQuery),
    connection.query<CatalogRole & Record<string, unknown>>('reading the roles for the audit', rolesQuery),
    connection.query<CatalogMembership & Record<string, unknown>>('reading the role memberships for the audit', membershipsQuery),
  ]);
  return { databases, roles, memberships };
}
