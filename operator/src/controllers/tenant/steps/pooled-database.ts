/**
 * Step, pooled tier (docs/decisions/0043): the tenant's own role and its own schema in its region's
 * shared pool database, and the Secret holding the credentials, as steps/database.ts does for a
 * database of its own (the same password rules, the same Secret keys, `database` naming the pool).
 * The condition says what the tenant shares. A tenant with a database of its own is never moved into
 * the pool (demotion is refused here, nothing created); promotion out of it is promotion.ts.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { databaseSecretName, schemaName } from '../../../api/names.js';
import type { OperatorConfig } from '../../../api/operator-config.js';
import { usesPooledDatabase } from '../../../api/tenant-plan.js';
import type { PooledTenantSpec } from '../../../providers/database/pooled/index.js';
import { poolDatabaseName } from '../../../providers/database/pooled/names.js';
import { buildDatabaseSecret, type SecretObject } from '../../../resources/tenant-credentials.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { inputsDigest, trustedOutcome } from '../provider-trust.js';
import { databaseSpec, desiredPassword, failure } from './database.js';

const outcome = outcomeFor(ConditionType.DatabaseReady);

type DatabaseSettings = OperatorConfig['regions'][string]['database'];

export function pooledDatabaseSpec(context: StepContext): PooledTenantSpec {
  return { ...databaseSpec(context), databaseName: poolDatabaseName, schemaName: schemaName(context.tenant) };
}

/**
 * A refusal when the plan asks for the other tier than the one the tenant's status records, or a
 * deletion policy its tier cannot carry out; undefined when the step may go on.
 */
export function tierRefusal(context: Pick<StepContext, 'tenant' | 'plan' | 'config'>): StepOutcome | undefined {
  return tierChangeRefusal(context) ?? deletionPolicyRefusal(context);
}

/** Demotion: a tenant with a database of its own is never moved into the pool (promotion, the other way, is promotion.ts). */
function tierChangeRefusal({ tenant, plan }: Pick<StepContext, 'tenant' | 'plan'>): StepOutcome | undefined {
  const recorded = tenant.status?.database;
  if (recorded?.name === undefined || recorded.schema !== undefined || recorded.promotion !== undefined || !usesPooledDatabase(plan)) {
    return undefined;
  }
  return outcome(
    'False',
    Reason.TierChangeNotSupported,
    `tenant ${tenant.metadata.name} has database ${recorded.name} of its own (status.database.name), but spec.plan ${plan.metadata.name} ` +
      'has spec.isolation.database Shared: demotion into the pool is not supported, so nothing was created or moved; put the tenant ' +
      'back on a plan whose isolation.database is Dedicated',
  );
}

/**
 * Snapshot and Export of a pooled tenant are a backup of its schema and shared rows in the object
 * store (docs/decisions/0055): refused when the operator has no object store.
 */
function deletionPolicyRefusal({ tenant, plan, config }: Pick<StepContext, 'tenant' | 'plan' | 'config'>): StepOutcome | undefined {
  const policy = tenant.spec.database?.deletionPolicy;
  if (!usesPooledDatabase(plan) || (policy !== 'Snapshot' && policy !== 'Export') || config?.backups !== undefined) return undefined;
  return outcome(
    'False',
    Reason.DeletionPolicyNotSupported,
    `spec.database.deletionPolicy ${policy} needs the operator's object store for a pooled tenant (plan ${plan.metadata.name} shares ` +
      'the database; operator config backups is not set); choose Retain or Delete. Nothing was created',
  );
}

export async function ensurePooledDatabase(context: StepContext, settings: DatabaseSettings): Promise<StepOutcome> {
  const { tenant, namespace } = context;
  const spec = pooledDatabaseSpec(context);
  const { host, port } = settings;
  const secretName = databaseSecretName(tenant);
  // Reported on failure too: a tenant deleted before it was ever ready is still torn down as pooled.
  const report = { host, port, name: poolDatabaseName, schema: spec.schemaName, secretName };
  const inputs = inputsDigest({ spec, host, port, rotation: tenant.spec.database?.passwordRotation });
  const verified = { database: { ...report, inputsDigest: inputs } };
  const trusted = trustedOutcome(
    context,
    ConditionType.DatabaseReady,
    { recorded: tenant.status?.database?.inputsDigest, inputs },
    verified,
  );
  if (trusted) return trusted;
  // A GET, not a cache: the operator watches no Secret (docs/decisions/0014).
  const secret: SecretObject | undefined = await context.owned.live({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace },
  });
  const { password, rotation, rotationDue } = desiredPassword(context, secret);
  const failed = await ensureInPool(context, spec, password, rotationDue);
  if (failed) return { ...failed, report: { database: report } };
  await context.owned.ensure(
    buildDatabaseSecret(
      tenant.metadata,
      { name: secretName, namespace, rotation },
      { host, port, database: poolDatabaseName, username: spec.roleName, password },
    ),
    context.logger,
    secret ?? null,
  );
  const shares = `shares database ${poolDatabaseName} on ${host}:${port} with the region's other pooled tenants (pooled tier)`;
  if (spec.suspended) {
    return outcome('True', Reason.Suspended, `suspended: schema ${spec.schemaName} kept; its role may not log in; ${shares}`, verified);
  }
  return outcome(
    'True',
    Reason.Reconciled,
    `schema ${spec.schemaName} of its own, credentials in Secret ${secretName}; ${shares}`,
    verified,
  );
}

/** The pool, role and schema as they should be; a failure outcome, or undefined when done. */
async function ensureInPool(
  context: StepContext,
  spec: PooledTenantSpec,
  password: string,
  rotationDue: boolean,
): Promise<StepOutcome | undefined> {
  const region = context.tenant.spec.region;
  try {
    const provider = (await context.providers.database(region)).pooled?.();
    if (!provider) return outcome('False', Reason.DatabaseProviderFailed, `the database provider of region ${region} has no pooled tier`);
    const result = await provider.ensure(spec, password);
    if (result.passwordChanged) context.logger.info('Set database password', { role: spec.roleName, rotation: rotationDue });
    return undefined;
  } catch (error) {
    return failure(error);
  }
}
