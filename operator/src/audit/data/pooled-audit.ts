/**
 * The checks that fit pooled tenants (docs/decisions/0043), per server: their schemas' grants admit
 * only their own role (read from the catalog through the admin login), no other pooled tenant's
 * real login can use their schema (tried, every ordered pair), and the shared table's row-level
 * security is in place and enforced (read from the catalog, and tried with each tenant's login:
 * it must see no row but its own). Reads only; nothing on the server is changed.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { AdminConnection } from '../../providers/database/connection.js';
import type { LoginCredentials } from '../../providers/database/connection-attempt.js';
import { readPoolSetup, readTenantSchema, type PoolSetupState, type TenantSchemaState } from '../../providers/database/pooled/catalog.js';
import { driftedParts } from '../../providers/database/pooled/ensure-pool.js';
import { foreignGrantees } from '../../providers/database/pooled/ensure-schema.js';
import { poolOwnerRole, type PooledTenantSpec } from '../../providers/database/pooled/index.js';
import { probeSchema, probeSharedRows, type RowProbe, type SchemaProbe } from '../../providers/database/pooled/probes.js';
import type { DatabaseServer } from '../../providers/database/types.js';
import { createLogger } from '../../runtime/logging.js';
import { errorMessage } from '../../runtime/errors.js';
import { errored, failed, passed, type AuditCheck } from '../model.js';
import { mapBounded } from './bounded.js';

/** A pooled tenant as the audit sees it: its names, and its login as its Secret holds it. */
export interface PooledAuditTenant {
  name: string;
  spec: Pick<PooledTenantSpec, 'roleName' | 'schemaName' | 'tenant' | 'tenantUid'>;
  /** Undefined when its Secret could not be read; `credentialsProblem` says why. */
  credentials?: LoginCredentials;
  credentialsProblem?: string;
}

export interface PooledAuditOptions {
  concurrency?: number;
  connectionTimeoutMillis?: number;
}

interface CrossRead {
  from: string;
  to: string;
  probe: SchemaProbe;
}

/** The catalog side, through the admin login: each tenant's schema, and the pool's row-level security. */
async function readCatalog(
  admin: DatabaseServer,
  tenants: readonly PooledAuditTenant[],
): Promise<{ schemas: Map<string, TenantSchemaState | undefined>; setup: PoolSetupState }> {
  const connection = new AdminConnection(admin, { logger: createLogger({ silent: true }), maxConnections: 2 });
  try {
    const schemas = new Map<string, TenantSchemaState | undefined>();
    for (const tenant of tenants) schemas.set(tenant.name, await readTenantSchema(connection, tenant.spec));
    return { schemas, setup: await readPoolSetup(connection) };
  } finally {
    await connection.close();
  }
}

export function judgeSchemaAcl(tenant: PooledAuditTenant, schema: TenantSchemaState | undefined): AuditCheck {
  const base = {
    id: 'database.pooled-schema-acl',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Only tenant ${tenant.name}'s role may use its schema ${tenant.spec.schemaName} in the pool`,
    evidence: { schema: tenant.spec.schemaName, owner: schema?.owner ?? null, acl: schema?.acl ?? [] },
  };
  if (schema === undefined) return failed({ ...base, reason: 'SchemaMissing', message: `schema ${tenant.spec.schemaName} does not exist` });
  if (schema.owner !== poolOwnerRole) {
    return failed({
      ...base,
      reason: 'SchemaOwnedByOtherRole',
      message: `schema ${tenant.spec.schemaName} is owned by ${schema.owner}, not ${poolOwnerRole}: its owner may grant it to anyone`,
    });
  }
  const others = foreignGrantees(schema, tenant.spec);
  if (others.length > 0) {
    return failed({
      ...base,
      reason: 'SchemaGrantsOthers',
      message: `schema ${tenant.spec.schemaName} grants privileges to ${others.join(', ')} besides the tenant's role`,
    });
  }
  return passed({ ...base, message: `the schema's grants name the tenant's role ${tenant.spec.roleName} and the pool owner only` });
}

export function judgeCrossReads(tenant: PooledAuditTenant, reads: readonly CrossRead[]): AuditCheck {
  const mine = reads.filter((read) => read.to === tenant.name);
  const evidence = mine.map((read) => ({ credentials: read.from, outcome: read.probe.outcome, sqlState: read.probe.sqlState ?? null }));
  const base = {
    id: 'database.pooled-cross-read',
    category: 'database' as const,
    tenant: tenant.name,
    title: `No other pooled tenant's login can use tenant ${tenant.name}'s schema ${tenant.spec.schemaName}`,
    evidence,
  };
  const reached = mine.filter((read) => read.probe.outcome === 'reachable').map((read) => read.from);
  if (reached.length > 0) {
    return failed({
      ...base,
      reason: 'OtherTenantCanReadSchema',
      message: `the login of ${reached.join(', ')} may use schema ${tenant.spec.schemaName}`,
    });
  }
  const unanswered = mine.filter((read) => read.probe.outcome === 'unanswered').map((read) => `${read.from}: ${read.probe.message ?? ''}`);
  if (unanswered.length > 0) {
    return errored({ ...base, reason: 'ProbeUnanswered', message: `not every login could be tried: ${unanswered.join('; ')}` });
  }
  return passed({
    ...base,
    message: `the logins of ${mine.length} other pooled tenants were each refused: permission denied for the schema`,
  });
}

/**
 * The cross reads by the tenant whose schema they tried, in their order: judgeCrossReads keeps those
 * of its tenant, and given every read it scanned all p(p-1) of them for each of p tenants
 * (docs/decisions/0060).
 */
export function readsByTarget(reads: readonly CrossRead[]): Map<string, CrossRead[]> {
  const byTarget = new Map<string, CrossRead[]>();
  for (const read of reads) {
    const into = byTarget.get(read.to) ?? [];
    if (into.length === 0) byTarget.set(read.to, into);
    into.push(read);
  }
  return byTarget;
}

export function judgeRowSecurity(tenant: PooledAuditTenant, setup: PoolSetupState, rows: RowProbe): AuditCheck {
  const drifted = driftedParts(setup).filter((part) => part !== 'schema public privileges');
  const base = {
    id: 'database.pooled-row-security',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Row-level security holds tenant ${tenant.name} to its own rows of the pool's shared tables`,
    evidence: { setup: { ...setup }, foreignRowsSeen: rows.foreignRows ?? null },
  };
  if (drifted.length > 0) {
    return failed({ ...base, reason: 'RowSecurityNotEnforced', message: `the shared table's ${drifted.join(', ')} do not hold` });
  }
  if (rows.foreignRows === undefined) {
    return errored({ ...base, reason: 'ProbeUnanswered', message: `the tenant's login could not be tried: ${rows.problem ?? ''}` });
  }
  if (rows.foreignRows > 0) {
    return failed({
      ...base,
      reason: 'RowSecurityNotEnforced',
      message: `the tenant's login sees ${rows.foreignRows} rows of other tenants`,
    });
  }
  return passed({ ...base, message: "the policy, FORCE and ownership hold, and the tenant's login saw no row but its own" });
}

function unavailable(tenant: PooledAuditTenant): SchemaProbe {
  return { outcome: 'unanswered', message: tenant.credentialsProblem ?? 'no credentials' };
}

/** The pooled checks of one server's pooled tenants (three per tenant), and the tenants whose schema exists (for the inventory). */
export async function auditPooledTenants(
  admin: DatabaseServer,
  tenants: readonly PooledAuditTenant[],
  options: PooledAuditOptions = {},
): Promise<AuditCheck[]> {
  return (await auditPool(admin, tenants, options)).checks;
}

interface PooledFacts {
  catalog: { schemas: Map<string, TenantSchemaState | undefined>; setup: PoolSetupState };
  byTarget: Map<string, CrossRead[]>;
  rows: readonly RowProbe[];
}

/** Three checks per tenant, in the tenants' order, with a turn of the event loop every 100 tenants (decision 0060). */
async function judgePooled(tenants: readonly PooledAuditTenant[], { catalog, byTarget, rows }: PooledFacts): Promise<AuditCheck[]> {
  const checks: AuditCheck[] = [];
  for (const [index, tenant] of tenants.entries()) {
    if (index > 0 && index % 100 === 0) await turn();
    checks.push(
      judgeSchemaAcl(tenant, catalog.schemas.get(tenant.name)),
      judgeCrossReads(tenant, byTarget.get(tenant.name) ?? []),
      judgeRowSecurity(tenant, catalog.setup, rows[index] ?? { problem: 'not probed' }),
    );
  }
  return checks;
}

export async function auditPool(
  admin: DatabaseServer,
  tenants: readonly PooledAuditTenant[],
  options: PooledAuditOptions = {},
): Promise<{ checks: AuditCheck[]; withSchema: string[] | null }> {
  if (tenants.length === 0) return { checks: [], withSchema: [] };
  let catalog;
  try {
    catalog = await readCatalog(admin, tenants);
  } catch (error) {
    const checks = tenants.map((tenant) =>
      errored({
        id: 'database.pooled-schema-acl',
        category: 'database',
        tenant: tenant.name,
        title: `The pool of tenant ${tenant.name} can be audited`,
        reason: 'DatabaseUnreachable',
        message: errorMessage(error),
        evidence: { server: `${admin.host}:${admin.port}` },
      }),
    );
    return { checks, withSchema: null };
  }
  const timeout = options.connectionTimeoutMillis ?? 5_000;
  const pairs = tenants.flatMap((from) => tenants.filter((to) => to !== from).map((to) => [from, to] as const));
  const reads = await mapBounded(pairs, options.concurrency ?? 4, async ([from, to]) => ({
    from: from.name,
    to: to.name,
    probe: from.credentials ? await probeSchema(from.credentials, to.spec.schemaName, timeout) : unavailable(from),
  }));
  const rows = await mapBounded(tenants, options.concurrency ?? 4, async (tenant) =>
    tenant.credentials ? probeSharedRows(tenant.credentials, timeout) : { problem: tenant.credentialsProblem ?? 'no credentials' },
  );
  const checks = await judgePooled(tenants, { catalog, byTarget: readsByTarget(reads), rows });
  return { checks, withSchema: tenants.filter((tenant) => catalog.schemas.get(tenant.name) !== undefined).map((tenant) => tenant.name) };
}
