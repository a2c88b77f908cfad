/**
 * `auditDatabases`: for every database server the operator's configuration names, the login matrix
 * of its tenants (each tenant's own credentials, from its `<tenant>-database` Secret), the catalog
 * checks of each tenant's database and role (through the region's admin login, as the operator
 * connects), and the server's orphans. Servers shared by several regions are audited once, with
 * the tenants of all of them. Reads only; nothing on the server or in the cluster is changed.
 */
import { databaseName, databaseSecretName, namespaceName, roleName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import { readIsolationCatalog } from '../../providers/database/isolation-catalog.js';
import type { DatabaseServer } from '../../providers/database/types.js';
import { createLogger, type Logger } from '../../runtime/logging.js';
import { uniqueInputs } from '../guardrails/inputs.js';
import { errored, passed, type AuditCheck, type InputObject } from '../model.js';
import { mapBounded } from './bounded.js';
import { indexCatalog, judgeRole, judgeTenantCatalog } from './database-catalog-checks.js';
import { auditPool } from './pooled-audit.js';
import { judgeMatrix, probeMatrix, type MatrixTenant } from './database-matrix.js';
import { planLogins, type LoginSample, type LoginSampleSettings } from './login-sample.js';
import { databaseInventory, judgeOrphans } from './database-orphans.js';
import type { AuditedTenant, DatabaseAuditResult, DatabaseMatrix } from './model.js';
import { databaseServerOf, namespacesWithOperatorAccess, readSecretValues, serverKey, type RegionSettings } from './regional-access.js';
import { groupByServer, type ServerGroup } from './servers.js';
import { errorMessage } from '../../runtime/errors.js';

export interface DatabaseAuditRequest {
  /** Every Tenant in the cluster: anything tenant-like on a server that none of them owns is an orphan. */
  tenants: readonly Tenant[];
  config: Pick<OperatorConfig, 'regions'>;
  /** Logins in flight at once per server; default 4. */
  concurrency?: number;
  connectionTimeoutMillis?: number;
  logger?: Logger;
  /** Which cross-tenant logins to try (login-sample.ts); every pair when absent. */
  logins?: LoginSampleSettings & { generatedAt: Date; seed: string };
}

const credentialKeys = ['host', 'port', 'database', 'username', 'password'];

interface ServerAudit {
  logger: Logger;
  /** The namespaces whose Secrets can be read (namespacesWithOperatorAccess). */
  readable: Set<string>;
}

async function matrixTenant(
  client: KubeClient,
  tenant: AuditedTenant,
  settings: RegionSettings,
  readable: Set<string>,
): Promise<{ tenant: MatrixTenant; inputs: InputObject[] }> {
  const ref = { namespace: namespaceName({ metadata: tenant }), name: databaseSecretName({ metadata: tenant }) };
  const database = databaseName({ metadata: tenant });
  if (!readable.has(ref.namespace)) {
    return {
      tenant: {
        ...tenant,
        database,
        credentialsProblem: `Secret ${ref.namespace}/${ref.name} not read: the operator holds no access in ${ref.namespace} (not set up yet, or being deleted)`,
      },
      inputs: [],
    };
  }
  try {
    const { values, input } = await readSecretValues(client, ref, credentialKeys);
    // The server is the one the configuration names; the Secret supplies the login.
    const credentials = {
      host: settings.database.host,
      port: settings.database.port,
      username: values.username ?? '',
      password: values.password ?? '',
    };
    return { tenant: { ...tenant, database: values.database ?? database, credentials }, inputs: [input] };
  } catch (error) {
    return { tenant: { ...tenant, database, credentialsProblem: errorMessage(error) }, inputs: [] };
  }
}

/** A server that could not be audited: an error check for each of its tenants, and an unknown inventory. */
function unaudited(group: ServerGroup, reason: string, message: string, inputs: InputObject[]): DatabaseAuditResult {
  const checks = group.tenants.map((tenant) =>
    errored({
      id: 'database.server',
      category: 'database',
      tenant: tenant.name,
      title: `The database server ${group.server} of tenant ${tenant.name} can be audited`,
      reason,
      message,
      evidence: { server: group.server },
    }),
  );
  return { checks, inputs, matrices: [], samples: [], inventory: { databases: null } };
}

function loginPlan(tenants: readonly MatrixTenant[], request: DatabaseAuditRequest): ReturnType<typeof planLogins> {
  const names = tenants.map((tenant) => tenant.name);
  if (!request.logins)
    return planLogins(names, { rotatingPerTenant: names.length, randomPerTenant: 0, intervalSeconds: 1 }, new Date(0), '');
  return planLogins(names, request.logins, request.logins.generatedAt, request.logins.seed);
}

/** What was tried on a server, in full, so the pairs can be recomputed and the coverage over runs followed. */
function sampleCheck(server: string, sample: LoginSample): AuditCheck {
  const title = `The cross-tenant logins tried on database server ${server}`;
  const message =
    sample.method === 'all-pairs'
      ? `every ordered pair of its ${sample.tenants} tenants was tried (${sample.pairsTried} logins)`
      : `${sample.pairsTried} of the ${sample.pairsTotal} ordered pairs of its ${sample.tenants} tenants were tried: the two neighbours in name order, ` +
        `rotation window ${sample.rotation?.window ?? 0} of ${sample.rotation?.windows ?? 0} and ${sample.random?.perTenant ?? 0} drawn from seed ${sample.random?.seed ?? ''} per tenant`;
  return passed({ id: 'database.login-sample', category: 'database', title, message, evidence: { server, ...sample } });
}

async function auditServer(
  client: KubeClient,
  group: ServerGroup,
  request: DatabaseAuditRequest,
  { logger, readable }: ServerAudit,
): Promise<DatabaseAuditResult> {
  let admin;
  try {
    admin = await databaseServerOf(client, group.settings);
  } catch (error) {
    return unaudited(group, 'AdminCredentialsUnavailable', errorMessage(error), []);
  }
  // Read before any login and closed after: at most one connection for it, then `concurrency` for the logins.
  const catalog = await readIsolationCatalog(admin.server, { connectionTimeoutMillis: request.connectionTimeoutMillis }).catch(
    (error: Error) => error,
  );
  if (catalog instanceof Error) return unaudited(group, 'DatabaseUnreachable', catalog.message, [admin.input]);
  logger.debug('Read the database catalog for the audit', { server: group.server, databases: catalog.databases.length });
  const byName = [...group.tenants].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const read = await mapBounded(byName, 8, (tenant) => matrixTenant(client, tenant, group.settings, readable));
  // Pooled tenants share the pool database by design: the pooled checks judge them, not the login matrix.
  const tenants = read.map((entry) => entry.tenant).filter((tenant) => tenant.pooledSchema === undefined);
  const dedicated = group.tenants.filter((tenant) => tenant.pooledSchema === undefined);
  const pool = await auditPooledOnServer(
    admin.server,
    read.map((entry) => entry.tenant),
    request,
  );
  const plan = loginPlan(tenants, request);
  // Indexed once for every tenant's catalog checks (docs/decisions/0060); the catalog is not changed after.
  const indexed = indexCatalog(catalog);
  const cells = await probeMatrix(tenants, plan.targets, {
    concurrency: request.concurrency ?? 4,
    connectionTimeoutMillis: request.connectionTimeoutMillis,
  });
  const matrix: DatabaseMatrix = { server: group.server, regions: group.regions, tenants: tenants.map((t) => t.name), cells };
  const inventory = pool.withSchema && [...databaseInventory(dedicated, catalog), ...pool.withSchema];
  return {
    checks: [
      ...judgeMatrix(tenants, cells, plan.sample.method === 'sampled'),
      ...dedicated.flatMap((tenant) => judgeTenantCatalog(tenant, indexed)),
      ...group.tenants.filter((tenant) => tenant.pooledSchema !== undefined).map((tenant) => judgeRole(tenant, indexed)),
      ...pool.checks,
      judgeOrphans(group.server, group.tenants, catalog),
      sampleCheck(group.server, plan.sample),
    ],
    samples: [{ server: group.server, ...plan.sample }],
    inputs: [admin.input, ...read.flatMap((entry) => entry.inputs)],
    matrices: [matrix],
    inventory: { databases: inventory },
  };
}

/** The pooled checks of the server's pooled tenants, with the logins their Secrets hold. */
function auditPooledOnServer(
  server: DatabaseServer,
  tenants: readonly MatrixTenant[],
  request: DatabaseAuditRequest,
): Promise<{ checks: AuditCheck[]; withSchema: string[] | null }> {
  const pooled = tenants.flatMap((tenant) =>
    tenant.pooledSchema === undefined
      ? []
      : [
          {
            name: tenant.name,
            spec: { tenant: tenant.name, tenantUid: tenant.uid, roleName: roleName({ metadata: tenant }), schemaName: tenant.pooledSchema },
            ...(tenant.credentials ? { credentials: tenant.credentials } : {}),
            ...(tenant.credentialsProblem ? { credentialsProblem: tenant.credentialsProblem } : {}),
          },
        ],
  );
  return auditPool(server, pooled, { concurrency: request.concurrency, connectionTimeoutMillis: request.connectionTimeoutMillis });
}

/** The database checks of every tenant, the login matrix of every server, and what was read. */
export async function auditDatabases(client: KubeClient, request: DatabaseAuditRequest): Promise<DatabaseAuditResult> {
  const logger = request.logger ?? createLogger({ silent: true });
  const { groups, unserved } = groupByServer(request.tenants, request.config.regions, serverKey);
  const checks: AuditCheck[] = unserved.map((tenant) =>
    errored({
      id: 'database.server',
      category: 'database',
      tenant: tenant.name,
      title: `Tenant ${tenant.name}'s region has a database server`,
      reason: 'RegionNotConfigured',
      message: `region ${tenant.region} has no database server in the operator's configuration`,
      evidence: { region: tenant.region },
    }),
  );
  const result: DatabaseAuditResult = { checks, inputs: [], matrices: [], samples: [], inventory: { databases: [] } };
  const readable = groups.length > 0 ? await namespacesWithOperatorAccess(client) : new Set<string>();
  for (const group of groups) {
    const part = await auditServer(client, group, request, { logger, readable });
    result.checks.push(...part.checks);
    result.inputs.push(...part.inputs);
    result.matrices.push(...part.matrices);
    result.samples.push(...part.samples);
    // One unreadable server makes the whole count unknown.
    result.inventory.databases = part.inventory.databases &&
      result.inventory.databases && [...result.inventory.databases, ...part.inventory.databases];
  }
  return { ...result, inputs: uniqueInputs(result.inputs) };
}
