/**
 * Reads the pool as it is: the pool database and its owner role (from the admin database), the
 * shared schema and table with their row-level security (inside the pool), and a pooled tenant's
 * schema, its grants and its role's search_path. Reads only, with parameters, so that a
 * steady-state ensure writes nothing.
 */
import type { AdminConnection } from '../connection.js';
import { poolDatabaseName, poolOwnerRole, sharedSchemaName, sharedTableName, sharedTablePrivileges, tenantRowPolicyName } from './names.js';
import type { PooledTenantSpec } from './types.js';

export interface PoolDatabaseState {
  comment: string | null;
  owner: string;
  publicHasPrivileges: boolean;
}

/** Whether each part of the pool's own setup holds (false also when the part is missing). */
export interface PoolSetupState {
  publicSchemaClosed: boolean;
  sharedSchemaOwned: boolean;
  sharedTableOwned: boolean;
  rowSecurityForced: boolean;
  policyAsTemplate: boolean;
  sharedTableClosed: boolean;
}

export interface TenantSchemaState {
  comment: string | null;
  owner: string;
  /** Every (grantee, privilege) on the schema; grantee PUBLIC for the pseudo-role. */
  acl: { grantee: string; privilege: string }[];
}

export interface PooledRoleGrants {
  connect: boolean;
  /** The role's search_path in the pool database, as pg_db_role_setting holds it, if any. */
  searchPath: string | null;
}

const poolDatabaseQuery = `
  SELECT shobj_description(oid, 'pg_database') AS comment,
         pg_get_userbyid(datdba) AS owner,
         (datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(datacl) AS acl WHERE acl.grantee = 0)) AS "publicHasPrivileges"
    FROM pg_database WHERE datname = $1`;

/**
 * The policy is compared with what PostgreSQL prints for the template's expressions, so an
 * ALTER POLICY that widens it is found. $1 shared schema, $2 table, $3 policy, $4 pool owner, $5 the
 * policy's expression as PostgreSQL prints it.
 */
const poolSetupQuery = `
  WITH shared_table AS (
    SELECT c.oid, c.relowner, c.relrowsecurity, c.relforcerowsecurity, c.relacl
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r')
  SELECT NOT has_schema_privilege('public', 'public', 'USAGE') AND NOT has_schema_privilege('public', 'public', 'CREATE') AS "publicSchemaClosed",
         COALESCE((SELECT pg_get_userbyid(nspowner) = $4 FROM pg_namespace WHERE nspname = $1), false) AS "sharedSchemaOwned",
         COALESCE((SELECT pg_get_userbyid(relowner) = $4 FROM shared_table), false) AS "sharedTableOwned",
         COALESCE((SELECT relrowsecurity AND relforcerowsecurity FROM shared_table), false) AS "rowSecurityForced",
         -- Exactly one policy: another permissive one would be OR'd with it and widen what a role sees.
         COALESCE((SELECT count(*) = 1 AND bool_and(p.polname = $3 AND p.polcmd = '*' AND p.polpermissive AND p.polroles = '{0}'
                          AND pg_get_expr(p.polqual, p.polrelid) = $5 AND pg_get_expr(p.polwithcheck, p.polrelid) = $5)
                     FROM pg_policy p WHERE p.polrelid = (SELECT oid FROM shared_table)), false) AS "policyAsTemplate",
         COALESCE((SELECT NOT EXISTS (SELECT 1 FROM aclexplode(relacl) a WHERE a.grantee = 0) FROM shared_table), false) AS "sharedTableClosed"`;

/** How PostgreSQL prints the template's `tenant = current_user` (statements.ts) back from pg_policy. */
export const printedPolicyExpression = '(tenant = CURRENT_USER)';

const tenantSchemaQuery = `
  SELECT obj_description(n.oid, 'pg_namespace') AS comment,
         pg_get_userbyid(n.nspowner) AS owner,
         COALESCE((SELECT json_agg(json_build_object(
                     'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                     'privilege', a.privilege_type) ORDER BY 1)
                     FROM aclexplode(n.nspacl) AS a), '[]'::json) AS acl
    FROM pg_namespace n WHERE n.nspname = $1`;

// has_table_privilege with a list answers whether ANY is held; each is asked on its own.
const sharedGrantsQuery = `
  SELECT has_schema_privilege($1, $2, 'USAGE')
         AND (SELECT bool_and(has_table_privilege($1, $3, privilege)) FROM unnest($4::text[]) AS privilege) AS granted`;

const roleGrantsQuery = `
  SELECT has_database_privilege(r.oid, $2, 'CONNECT') AS connect,
         (SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
           WHERE d.datname = $2 AND s.setrole = r.oid) AS "searchPath"
    FROM pg_roles r WHERE r.rolname = $1`;

export async function readPoolDatabase(connection: AdminConnection): Promise<PoolDatabaseState | undefined> {
  const rows = await connection.query<PoolDatabaseState & Record<string, unknown>>('reading the pool database', poolDatabaseQuery, [
    poolDatabaseName,
  ]);
  return rows[0];
}

export async function readPoolOwnerExists(connection: AdminConnection): Promise<boolean> {
  const rows = await connection.query('reading the pool owner role', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [poolOwnerRole]);
  return rows.length > 0;
}

export async function readPoolSetup(connection: AdminConnection): Promise<PoolSetupState> {
  const [row] = await connection.queryInDatabase<PoolSetupState & Record<string, unknown>>(
    poolDatabaseName,
    'reading the pool setup',
    poolSetupQuery,
    [sharedSchemaName, sharedTableName, tenantRowPolicyName, poolOwnerRole, printedPolicyExpression],
  );
  if (!row) throw new Error('the pool setup query returned no row');
  return row;
}

export async function readTenantSchema(
  connection: AdminConnection,
  spec: Pick<PooledTenantSpec, 'schemaName'>,
): Promise<TenantSchemaState | undefined> {
  const rows = await connection.queryInDatabase<TenantSchemaState & Record<string, unknown>>(
    poolDatabaseName,
    "reading the tenant's schema in the pool",
    tenantSchemaQuery,
    [spec.schemaName],
  );
  return rows[0];
}

/** Whether the role holds its shared schema USAGE and every shared-table privilege. */
export async function readSharedGrants(connection: AdminConnection, spec: PooledTenantSpec): Promise<boolean> {
  const [row] = await connection.queryInDatabase<{ granted: boolean }>(
    poolDatabaseName,
    "reading the tenant role's grants on the shared tables",
    sharedGrantsQuery,
    [spec.roleName, sharedSchemaName, `${sharedSchemaName}.${sharedTableName}`, [...sharedTablePrivileges]],
  );
  return row?.granted === true;
}

export async function readPooledRoleGrants(connection: AdminConnection, spec: PooledTenantSpec): Promise<PooledRoleGrants | undefined> {
  const rows = await connection.query<PooledRoleGrants & Record<string, unknown>>(
    "reading the pooled role's CONNECT and search_path",
    roleGrantsQuery,
    [spec.roleName, poolDatabaseName],
  );
  return rows[0];
}
