/**
 * Step: the tenant's own database and role, in its region's PostgreSQL, and the Secret holding
 * the credentials. The Secret is the source of truth for the password: it is generated once,
 * the role is made to accept exactly it (the provider compares SCRAM verifiers, so an unchanged
 * password costs no write), and it changes only when spec.database.passwordRotation asks. A crash
 * between steps converges: a role created with a password that never reached the Secret is given
 * the next one. A suspended tenant's role is NOLOGIN with no session left; its data stays. A tenant
 * whose plan shares the database gets a schema in its region's pool instead (pooled-database.ts), and
 * one whose plan stops sharing it is promoted to a database of its own (promotion.ts).
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { passwordRotationAnnotation } from '../../../api/labels.js';
import { databaseName, databaseSecretName, roleName } from '../../../api/names.js';
import { usesPooledDatabase } from '../../../api/tenant-plan.js';
import { DatabaseOwnedByAnotherTenant, DatabaseUnavailable } from '../../../providers/database/errors.js';
import type { TenantDatabaseSpec } from '../../../providers/database/index.js';
import { generatePassword } from '../../../providers/database/password.js';
import { buildDatabaseSecret, readSecretValue, type SecretObject } from '../../../resources/tenant-credentials.js';
import { errorMessage } from '../../../runtime/errors.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { inputsDigest, trustedOutcome } from '../provider-trust.js';
import { ensurePooledDatabase, tierRefusal } from './pooled-database.js';
import { promote, promotionUnderWay } from './promotion.js';

const outcome = outcomeFor(ConditionType.DatabaseReady);

export function databaseSpec(context: StepContext): TenantDatabaseSpec {
  const { tenant, plan } = context;
  return {
    tenant: tenant.metadata.name,
    tenantUid: tenant.metadata.uid,
    databaseName: databaseName(tenant),
    roleName: roleName(tenant),
    connectionLimit: plan.spec.database?.connectionLimit ?? 20,
    suspended: tenant.spec.suspended,
  };
}

/** The password the role must accept: the Secret's, unless there is none or a rotation is due. */
export function desiredPassword(
  context: StepContext,
  secret: SecretObject | undefined,
): { password: string; rotation?: string; rotationDue: boolean } {
  const rotation = context.tenant.spec.database?.passwordRotation;
  const rotationDue = rotation !== undefined && rotation !== secret?.metadata.annotations?.[passwordRotationAnnotation];
  const current = rotationDue ? undefined : readSecretValue(secret, 'password');
  return { password: current ?? generatePassword(), rotation, rotationDue };
}

/**
 * The provider's failures as outcomes (retried with backoff, as every False step is): its own
 * reason when it gave one, else DatabaseProviderFailed, never kube-apiserver's ApplyFailed.
 */
export function failure(error: unknown): StepOutcome {
  if (error instanceof DatabaseOwnedByAnotherTenant) return outcome('False', Reason.DatabaseOwnedByAnotherTenant, error.message);
  if (error instanceof DatabaseUnavailable) return outcome('False', Reason.DatabaseUnavailable, error.message);
  return outcome('False', Reason.DatabaseProviderFailed, errorMessage(error));
}

export async function ensureDatabase(context: StepContext): Promise<StepOutcome> {
  const settings = context.providers.settings(context.tenant.spec.region);
  if (!settings) {
    return outcome(
      'False',
      Reason.RegionNotConfigured,
      `region ${context.tenant.spec.region} has no database server configured; nothing was created`,
    );
  }
  // The pooled tier (decision 0043): a schema in the region's pool database instead of a database of its own.
  const refusal = tierRefusal(context);
  if (refusal) return refusal;
  // Promotion out of the pool (decision 0048), a step per reconcile; its last hands over to the dedicated tier.
  if (promotionUnderWay(context)) return promote(context, settings.database, () => ensureOwnDatabase(context, settings.database));
  return usesPooledDatabase(context.plan)
    ? ensurePooledDatabase(context, settings.database)
    : ensureOwnDatabase(context, settings.database);
}

async function ensureOwnDatabase(context: StepContext, settings: { host: string; port: number }): Promise<StepOutcome> {
  const { tenant, namespace } = context;
  const spec = databaseSpec(context);
  const { host, port } = settings;
  const secretName = databaseSecretName(tenant);
  const report = { host, port, name: spec.databaseName, secretName };
  const inputs = inputsDigest({ spec, host, port, rotation: tenant.spec.database?.passwordRotation });
  const trusted = trustedOutcome(
    context,
    ConditionType.DatabaseReady,
    { recorded: tenant.status?.database?.inputsDigest, inputs },
    { database: { ...report, inputsDigest: inputs } },
  );
  if (trusted) return trusted;
  // A GET, not a cache: the operator watches no Secret (docs/decisions/0014).
  const secret: SecretObject | undefined = await context.owned.live({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace },
  });
  const { password, rotation, rotationDue } = desiredPassword(context, secret);
  try {
    const result = await (await context.providers.database(tenant.spec.region)).ensure(spec, password);
    if (result.passwordChanged) context.logger.info('Set database password', { role: spec.roleName, rotation: rotationDue });
  } catch (error) {
    return failure(error);
  }
  await context.owned.ensure(
    buildDatabaseSecret(
      tenant.metadata,
      { name: secretName, namespace, rotation },
      { host, port, database: spec.databaseName, username: spec.roleName, password },
    ),
    context.logger,
    secret ?? null,
  );
  const status = { database: { ...report, inputsDigest: inputs } };
  if (spec.suspended) {
    return outcome(
      'True',
      Reason.Suspended,
      `suspended: database ${spec.databaseName} on ${host}:${port} kept; its role may not log in`,
      status,
    );
  }
  return outcome(
    'True',
    Reason.Reconciled,
    `database ${spec.databaseName} on ${host}:${port}, credentials in Secret ${secretName}`,
    status,
  );
}
