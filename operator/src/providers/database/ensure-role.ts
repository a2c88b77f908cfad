/**
 * Brings the tenant's login role to its desired state: created with its ownership marker in one
 * transaction, its attributes put back if someone changed them, and its password set only when
 * the stored SCRAM verifier does not already match, so a steady-state call writes nothing. A
 * suspended tenant's role is NOLOGIN and every call ends its sessions, so a crash between the two
 * is finished by the next call (the attributes already match then; the sessions are looked for anyway).
 */
import type { Logger } from '../../runtime/logging.js';
import { crashPoint } from '../../runtime/crash-points.js';
import { readRole, type RoleState } from './catalog.js';
import type { AdminConnection } from './connection.js';
import { DatabaseProviderError } from './errors.js';
import { assertNothingForeign } from './ownership.js';
import { scramVerifier, verifierMatches } from './scram.js';
import { alterRoleAttributes, alterRolePassword, commentOnRole, createRole, terminateRoleSessions } from './statements.js';
import type { TenantDatabaseSpec } from './types.js';

export const roleCrashPoints = {
  afterCreateRole: 'database.after-create-role',
  afterRepairRole: 'database.after-repair-role',
  afterAlterPassword: 'database.after-alter-role-password',
  afterSuspendLogin: 'database.after-suspend-login',
} as const;

const duplicateObject = '42710';

export interface RoleOutcome {
  created: boolean;
  passwordChanged: boolean;
  repaired: string[];
}

export interface ProviderContext {
  connection: AdminConnection;
  logger: Logger;
}

/** `observed` is the role as read before (already checked to be the tenant's), or undefined. */
export async function ensureRole(
  context: ProviderContext,
  spec: TenantDatabaseSpec,
  password: string,
  observed: RoleState | undefined,
): Promise<RoleOutcome> {
  if (observed === undefined) {
    if (await createRoleUnlessRaced(context, spec, password)) return { created: true, passwordChanged: false, repaired: [] };
    observed = await readRole(context.connection, spec.roleName);
    assertNothingForeign({ role: observed }, spec);
  }
  const repaired = await repairAttributes(context, spec, observed);
  const passwordChanged = await setPasswordUnlessMatching(context, spec, password, observed);
  if (spec.suspended) await endSessions(context, spec);
  return { created: false, passwordChanged, repaired };
}

/** Creates the role and its marker together; false when a concurrent call created the name first. */
async function createRoleUnlessRaced(context: ProviderContext, spec: TenantDatabaseSpec, password: string): Promise<boolean> {
  const verifier = scramVerifier(password);
  try {
    await context.connection.transaction(
      'creating the tenant role',
      [createRole(spec, verifier), commentOnRole(spec)],
      [password, verifier],
    );
  } catch (error) {
    if (error instanceof DatabaseProviderError && error.sqlState === duplicateObject) return false;
    throw error;
  }
  crashPoint(roleCrashPoints.afterCreateRole);
  context.logger.info('Created database role', { tenant: spec.tenant, role: spec.roleName });
  return true;
}

async function repairAttributes(context: ProviderContext, spec: TenantDatabaseSpec, observed: RoleState | undefined): Promise<string[]> {
  const login = !spec.suspended;
  const loginChanges = observed?.canLogin !== login;
  const drifted = loginChanges || observed?.hasExtraPrivileges === true || observed?.connectionLimit !== spec.connectionLimit;
  if (!drifted) return [];
  await context.connection.query('restoring the tenant role attributes', alterRoleAttributes(spec));
  const suspending = spec.suspended === true && loginChanges;
  crashPoint(suspending ? roleCrashPoints.afterSuspendLogin : roleCrashPoints.afterRepairRole);
  // Taking LOGIN for a suspension is no repair; giving it back is, whether a resume or someone's ALTER ROLE took it.
  if (suspending) {
    context.logger.info('Took LOGIN from the database role while suspended', { tenant: spec.tenant, role: spec.roleName });
    return [];
  }
  context.logger.info('Restored database role attributes', { tenant: spec.tenant, role: spec.roleName });
  return ['role attributes'];
}

/** NOLOGIN refuses new sessions only: the ones already open are ended, the role's and no other's. */
async function endSessions(context: ProviderContext, spec: TenantDatabaseSpec): Promise<void> {
  const [row] = await context.connection.query<{ ended: string }>("ending the suspended tenant role's sessions", terminateRoleSessions, [
    spec.roleName,
  ]);
  const ended = Number(row?.ended ?? 0);
  if (ended > 0)
    context.logger.info('Ended the sessions of the suspended database role', { tenant: spec.tenant, role: spec.roleName, ended });
}

async function setPasswordUnlessMatching(
  context: ProviderContext,
  spec: TenantDatabaseSpec,
  password: string,
  observed: RoleState | undefined,
): Promise<boolean> {
  if (verifierMatches(observed?.verifier, password)) return false;
  const verifier = scramVerifier(password);
  await context.connection.query('setting the tenant role password', alterRolePassword(spec, verifier), [], [password, verifier]);
  crashPoint(roleCrashPoints.afterAlterPassword);
  context.logger.info('Set database role password', { tenant: spec.tenant, role: spec.roleName });
  return true;
}
