/**
 * The tenant-by-tenant login matrix of one database server: with each tenant's own credentials,
 * its own database must answer `select 1` and every other tenant's database must refuse it.
 * Attempts run with bounded concurrency; each cell keeps the server's error code and message
 * (never a password) as evidence.
 */
import { attemptConnection, type LoginCredentials } from '../../providers/database/connection-attempt.js';
import { errored, failed, passed, type AuditCheck, type JsonValue } from '../model.js';
import { mapBounded } from './bounded.js';
import type { AuditedTenant, DatabaseMatrixCell } from './model.js';

export interface MatrixTenant extends AuditedTenant {
  /** The tenant's database, as its Secret names it (else as the operator names it). */
  database: string;
  /** Undefined when the tenant's Secret could not be read; `credentialsProblem` says why. */
  credentials?: LoginCredentials;
  credentialsProblem?: string;
}

export interface MatrixOptions {
  concurrency: number;
  connectionTimeoutMillis?: number;
}

async function attempt(from: MatrixTenant, to: MatrixTenant, options: MatrixOptions): Promise<DatabaseMatrixCell> {
  const pair = { credentials: from.name, database: to.name };
  if (!from.credentials) return { ...pair, outcome: 'unavailable', message: from.credentialsProblem ?? 'no credentials' };
  const result = await attemptConnection(from.credentials, to.database, { connectionTimeoutMillis: options.connectionTimeoutMillis });
  return { ...pair, ...result };
}

/**
 * Tries each tenant's own login and the cross-tenant logins `targets` names (per tenant by index,
 * data/login-sample.ts), `options.concurrency` at a time.
 */
export function probeMatrix(
  tenants: readonly MatrixTenant[],
  targets: readonly (readonly number[])[],
  options: MatrixOptions,
): Promise<DatabaseMatrixCell[]> {
  const pairs = tenants.flatMap((from, i) =>
    [from, ...(targets[i] ?? []).map((j) => tenants[j] as MatrixTenant)].map((to) => [from, to] as const),
  );
  return mapBounded(pairs, options.concurrency, ([from, to]) => attempt(from, to, options));
}

const cellEvidence = (cell: DatabaseMatrixCell): JsonValue => ({
  credentials: cell.credentials,
  database: cell.database,
  outcome: cell.outcome,
  ...(cell.sqlState ? { sqlState: cell.sqlState } : {}),
  ...(cell.message ? { message: cell.message } : {}),
});

const errorReasons: Record<string, string> = {
  unreachable: 'DatabaseUnreachable',
  unavailable: 'CredentialsUnavailable',
  missing: 'DatabaseMissing',
};

export function judgeOwnLogin(tenant: MatrixTenant, cell: DatabaseMatrixCell): AuditCheck {
  const base = {
    id: 'database.own-login',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Tenant ${tenant.name}'s own credentials open its database ${tenant.database}`,
    evidence: cellEvidence(cell),
  };
  if (tenant.suspended) return judgeSuspendedOwnLogin(base, tenant, cell);
  if (cell.outcome === 'allowed')
    return passed({ ...base, message: `logged in as the tenant's role and ran select 1 in ${tenant.database}` });
  if (cell.outcome === 'refused') {
    return failed({
      ...base,
      reason: 'OwnCredentialsRefused',
      message: `the server refused the tenant's own credentials: ${cell.message ?? ''} (${cell.sqlState ?? ''})`,
    });
  }
  if (cell.outcome === 'missing')
    return failed({ ...base, reason: 'DatabaseMissing', message: `database ${tenant.database} does not exist` });
  return errored({
    ...base,
    reason: errorReasons[cell.outcome] ?? 'DatabaseUnreachable',
    message: `could not try the login: ${cell.message ?? ''}`,
  });
}

/** A suspended tenant's own credentials must be refused: its role is NOLOGIN while suspended. */
function judgeSuspendedOwnLogin(
  base: Pick<AuditCheck, 'id' | 'category' | 'tenant' | 'title' | 'evidence'>,
  tenant: MatrixTenant,
  cell: DatabaseMatrixCell,
): AuditCheck {
  const suspendedBase = {
    ...base,
    title: `Tenant ${tenant.name} is suspended: its own credentials no longer open its database ${tenant.database}`,
  };
  if (cell.outcome === 'refused') {
    return passed({
      ...suspendedBase,
      message: `the server refused the suspended tenant's own credentials: ${cell.message ?? ''} (${cell.sqlState ?? ''})`,
    });
  }
  if (cell.outcome === 'allowed') {
    return failed({
      ...suspendedBase,
      reason: 'SuspendedRoleCanLogIn',
      message: `the suspended tenant's role logged in to ${tenant.database}`,
    });
  }
  if (cell.outcome === 'missing')
    return failed({ ...suspendedBase, reason: 'DatabaseMissing', message: `database ${tenant.database} does not exist` });
  return errored({
    ...suspendedBase,
    reason: errorReasons[cell.outcome] ?? 'DatabaseUnreachable',
    message: `could not try the login: ${cell.message ?? ''}`,
  });
}

/** How many other tenants share the server, when the logins tried were a sample of them (data/login-sample.ts). */
export interface SampleContext {
  others: number;
}

export function judgeCrossLogins(tenant: MatrixTenant, cells: readonly DatabaseMatrixCell[], sampled?: SampleContext): AuditCheck {
  const base = {
    id: 'database.cross-tenant-login',
    category: 'database' as const,
    tenant: tenant.name,
    title: sampled
      ? `None of the ${cells.length} other tenants sampled of ${sampled.others} on its server can open tenant ${tenant.name}'s database ${tenant.database} with their credentials`
      : `No other tenant's credentials open tenant ${tenant.name}'s database ${tenant.database}`,
    evidence: cells.map(cellEvidence),
  };
  const allowed = cells.filter((cell) => cell.outcome === 'allowed');
  if (allowed.length > 0) {
    return failed({
      ...base,
      reason: 'CrossTenantConnectionAllowed',
      message: `the credentials of ${allowed.map((cell) => `tenant ${cell.credentials}`).join(', ')} opened database ${tenant.database}`,
    });
  }
  const unanswered = cells.filter((cell) => cell.outcome !== 'refused');
  if (unanswered.length > 0) {
    const first = unanswered[0] as DatabaseMatrixCell;
    return errored({
      ...base,
      reason: errorReasons[first.outcome] ?? 'DatabaseUnreachable',
      message: `${unanswered.length} of ${cells.length} logins could not be tried, e.g. tenant ${first.credentials}'s: ${first.message ?? first.outcome}`,
    });
  }
  const of = sampled ? ` (a sample of the ${sampled.others} on the server, database.login-sample)` : '';
  return passed({ ...base, message: `the server refused all ${cells.length} other tenants' credentials tried${of}` });
}

/**
 * Two checks per tenant from the matrix: its own login works, and nobody else's of those tried
 * does. The cells are grouped by database once (a scan per tenant would be cubic at a thousand).
 */
export function judgeMatrix(tenants: readonly MatrixTenant[], cells: readonly DatabaseMatrixCell[], sampled = false): AuditCheck[] {
  const byDatabase = new Map<string, DatabaseMatrixCell[]>();
  for (const cell of cells) {
    const into = byDatabase.get(cell.database) ?? [];
    if (into.length === 0) byDatabase.set(cell.database, into);
    into.push(cell);
  }
  return tenants.flatMap((tenant) => {
    const into = byDatabase.get(tenant.name) ?? [];
    const own = into.find((cell) => cell.credentials === tenant.name);
    const others = into.filter((cell) => cell.credentials !== tenant.name);
    const cross = judgeCrossLogins(tenant, others, sampled ? { others: tenants.length - 1 } : undefined);
    return own ? [judgeOwnLogin(tenant, own), cross] : [cross];
  });
}
