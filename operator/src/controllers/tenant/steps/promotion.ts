/**
 * Step, promotion (docs/decisions/0048): a pooled tenant whose plan now gives it a database of its
 * own is moved there one step per reconcile, each step recorded in status.database.promotion before
 * the next begins, so that a crash anywhere repeats at most the step it was in. Every step may run
 * twice. The data is copied only while the tenant's writes are stopped and the tenant is not cut
 * over, and nothing is dropped from the pool until the copy is verified and the Secret names the
 * tenant's own database. The condition and an Event name each step.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { passwordRotationAnnotation, promotionRetryAnnotation } from '../../../api/labels.js';
import { databaseSecretName } from '../../../api/names.js';
import type { OperatorConfig } from '../../../api/operator-config.js';
import { promotionSteps, type DatabasePromotion, type PromotionStep } from '../../../api/tenant.js';
import { usesPooledDatabase } from '../../../api/tenant-plan.js';
import type { PromotionSpec } from '../../../providers/database/pooled/index.js';
import { poolDatabaseName } from '../../../providers/database/pooled/names.js';
import { buildDatabaseSecret, readSecretValue, type SecretObject } from '../../../resources/tenant-credentials.js';
import { crashPoint } from '../../../runtime/crash-points.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { databaseSpec, failure } from './database.js';
import { pooledDatabaseSpec } from './pooled-database.js';
import { restartApp } from './promotion-restart.js';

const outcome = outcomeFor(ConditionType.DatabaseReady);

type DatabaseSettings = OperatorConfig['regions'][string]['database'];

export const promotionStepCrashPoints = {
  afterSecretWrite: 'promotion.after-secret-write',
  afterCutOver: 'promotion.after-cut-over',
} as const;

/** Whether the tenant is on its way from the pool to a database of its own (or must start on it). */
export function promotionUnderWay({ tenant, plan }: Pick<StepContext, 'tenant' | 'plan'>): boolean {
  const recorded = tenant.status?.database;
  return recorded?.promotion !== undefined || (recorded?.schema !== undefined && !usesPooledDatabase(plan));
}

/** What one step did: the promotion as it stands after it (undefined once finished), in words, or a failure. */
export interface StepResult {
  next?: DatabasePromotion;
  done: string;
  failed?: StepOutcome;
}

type PromotionRunner = (context: StepContext, spec: PromotionSpec, current: DatabasePromotion) => Promise<StepResult>;

/** Runs the recorded step of the promotion (the first, if none is recorded) and reports where the tenant now is. */
export async function promote(context: StepContext, settings: DatabaseSettings, finish: () => Promise<StepOutcome>): Promise<StepOutcome> {
  const recorded = context.tenant.status?.database?.promotion;
  const current = recorded ?? { step: 'CreatingDatabase', startedAt: new Date().toISOString() };
  if (usesPooledDatabase(context.plan)) return backToThePoolRefusal(context, current);
  const spec: PromotionSpec = { pooled: pooledDatabaseSpec(context), dedicated: databaseSpec(context) };
  // Nothing is made before status says a promotion is under way: a tenant deleted after its own
  // database was created is then torn down as mid-promotion, that database included (decision 0053).
  const result = recorded === undefined ? began(context, current) : await runStep(context, spec, current);
  if (result.failed) return { ...result.failed, report: { database: place(context, settings, result.next ?? current) } };
  await recordStepDone(context, current, result);
  // The last step leaves the dedicated tier's ensure to say Ready in this same reconcile.
  if (result.next === undefined) return finish();
  return outcome('False', Reason.Promoting, progressMessage(result.next, result.done), { database: place(context, settings, result.next) });
}

async function recordStepDone(context: StepContext, current: DatabasePromotion, result: StepResult): Promise<void> {
  await context.events?.record(context.tenant, 'Normal', 'Promotion', result.done).catch(() => undefined);
  context.logger.info('Promotion step done', { step: current.step, next: result.next?.step ?? 'finished' });
}

/** The recorded step; a provider's failure leaves the promotion where it was, to be tried again. */
async function runStep(context: StepContext, spec: PromotionSpec, current: DatabasePromotion): Promise<StepResult> {
  try {
    return await runners[current.step](context, spec, current);
  } catch (error) {
    return { next: current, done: '', failed: failure(error) };
  }
}

/** `step N of 6 (Step)` and what the step before it did. */
export function progressMessage(next: DatabasePromotion, done: string): string {
  const position = promotionSteps.indexOf(next.step) + 1;
  return `promoting to a database of its own, step ${position} of ${promotionSteps.length} (${next.step}) next: ${done}`;
}

/**
 * Where status says the tenant's database is: the pool until the cut-over (the Secret still names
 * it), its own database from then on. No inputsDigest: nothing is trusted across a restart mid-way.
 */
function place(context: StepContext, settings: DatabaseSettings, promotion: DatabasePromotion) {
  const { host, port } = settings;
  const secretName = databaseSecretName(context.tenant);
  const cutOver = promotionSteps.indexOf(promotion.step) > promotionSteps.indexOf('CuttingOver');
  const where = cutOver
    ? { name: databaseSpec(context).databaseName }
    : { name: poolDatabaseName, schema: pooledDatabaseSpec(context).schemaName };
  return { host, port, secretName, ...where, promotion };
}

function backToThePoolRefusal(context: StepContext, current: DatabasePromotion): StepOutcome {
  return outcome(
    'False',
    Reason.TierChangeNotSupported,
    `tenant ${context.tenant.metadata.name} is being promoted to a database of its own (step ${current.step}), but spec.plan ` +
      `${context.plan.metadata.name} has spec.isolation.database Shared: a promotion cannot be turned back; put the tenant on a plan ` +
      'whose isolation.database is Dedicated so it can finish (its writes in the pool stay stopped until then)',
  );
}

async function livePassword(context: StepContext): Promise<{ secret: SecretObject | undefined; password: string | undefined }> {
  const secret: SecretObject | undefined = await context.owned.live({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: databaseSecretName(context.tenant), namespace: context.namespace },
  });
  return { secret, password: readSecretValue(secret, 'password') };
}

async function pooledProvider(context: StepContext) {
  const provider = (await context.providers.database(context.tenant.spec.region)).pooled?.();
  if (!provider) throw new Error(`the database provider of region ${context.tenant.spec.region} has no pooled tier`);
  return provider;
}

const advance = (current: DatabasePromotion, step: PromotionStep, extra: Partial<DatabasePromotion> = {}): DatabasePromotion => ({
  ...current,
  ...extra,
  step,
});

/** The promotion's first pass only records it. */
function began(context: StepContext, current: DatabasePromotion): StepResult {
  return { next: current, done: `promotion began: plan ${context.plan.metadata.name} gives the tenant a database of its own` };
}

/** The dedicated tier's own ensure makes the database, for the role the tenant already has, with the password it already has. */
const createDatabase: PromotionRunner = async (context, spec, current) => {
  const { password } = await livePassword(context);
  if (password === undefined) {
    const message = `Secret ${databaseSecretName(context.tenant)} holds no password; the promotion waits for the pooled tier to have written it`;
    return { done: '', failed: outcome('False', Reason.DatabaseProviderFailed, message) };
  }
  await (await context.providers.database(context.tenant.spec.region)).ensure(spec.dedicated, password);
  return { next: advance(current, 'StoppingWrites'), done: `created database ${spec.dedicated.databaseName}` };
};

/**
 * Stops the tenant's writes in the pool. A promotion stopped by too many failed verifications waits
 * here, the tenant's writes given back, until a new retry annotation starts a fresh round.
 */
const stopWrites: PromotionRunner = async (context, spec, recorded) => {
  let current = recorded;
  if (stoppedByVerification(context, recorded)) {
    const retry = retryAsked(context, recorded);
    if (retry === undefined || retry.length > maxRetryLength) return waitForHuman(context, spec, recorded);
    context.logger.info('Promotion retried', { annotation: promotionRetryAnnotation, value: retry });
    current = freshRound(recorded, retry);
  }
  const ended = await (await pooledProvider(context)).stopWrites(spec);
  return {
    next: advance(current, 'Copying', { writesStoppedAt: current.writesStoppedAt ?? new Date().toISOString() }),
    done: `stopped writes in the pool: role ${spec.pooled.roleName} may no longer connect to it (${ended} sessions ended)`,
  };
};

const copy: PromotionRunner = async (context, spec, current) => {
  await (await pooledProvider(context)).copyToOwnDatabase(spec, context.fence);
  return {
    next: advance(current, 'Verifying'),
    done: `copied schema ${spec.pooled.schemaName} and the shared rows to ${spec.dedicated.databaseName}`,
  };
};

/**
 * A mismatch sends the promotion back to the copy (the pool is the truth while writes are stopped);
 * nothing is cut over. The last allowed mismatch stops it instead (verificationFailed).
 */
const verify: PromotionRunner = async (context, spec, current) => {
  const verification = await (await pooledProvider(context)).verifyCopy(spec);
  if (verification.mismatches.length > 0) return verificationFailed(context, spec, current, verification.mismatches);
  const rows = verification.tables.reduce((sum, table) => sum + table.rows, 0);
  const verified = `${verification.tables.length} tables, ${rows} rows matched by count and checksum`;
  return { next: advance(current, 'CuttingOver', { verified }), done: `verified the copy: ${verified}` };
};

/**
 * The Secret names the tenant's own database: from here on its app writes there, and the pool's
 * copy is the old one. Then the release's pods are restarted to read it (promotion-restart.ts).
 */
const cutOver: PromotionRunner = async (context, spec, current) => {
  const { secret, password } = await livePassword(context);
  const settings = context.providers.settings(context.tenant.spec.region)?.database;
  if (password === undefined || settings === undefined) throw new Error('the Secret or the region settings went missing mid-promotion');
  const secretName = databaseSecretName(context.tenant);
  const { host, port } = settings;
  // The password is unchanged, and so is the rotation it answers to.
  const rotation = secret?.metadata.annotations?.[passwordRotationAnnotation];
  await context.owned.ensure(
    buildDatabaseSecret(
      context.tenant.metadata,
      { name: secretName, namespace: context.namespace, rotation },
      { host, port, database: spec.dedicated.databaseName, username: spec.dedicated.roleName, password },
    ),
    context.logger,
    secret ?? null,
  );
  crashPoint(promotionStepCrashPoints.afterSecretWrite);
  const restarted = await restartApp(context, `${spec.dedicated.databaseName}@${current.startedAt ?? ''}`);
  crashPoint(promotionStepCrashPoints.afterCutOver);
  const pods = restarted.length > 0 ? `; restarted deployment ${restarted.join(', ')}` : '';
  return {
    next: advance(current, 'DroppingPooled'),
    done: `cut over: Secret ${secretName} names database ${spec.dedicated.databaseName}${pods}`,
  };
};

const dropPooled: PromotionRunner = async (context, spec) => {
  await (await pooledProvider(context)).dropFromPool(spec, context.fence);
  return { done: `promoted: schema ${spec.pooled.schemaName} and the tenant's shared rows were dropped from the pool` };
};

/** The operator's bound on failed verifications in a row (database.promotion.maxVerificationFailures). */
const maxFailures = (context: StepContext): number => context.config.database.promotion.maxVerificationFailures;

function stoppedByVerification(context: StepContext, current: DatabasePromotion): boolean {
  return (current.verificationFailures ?? 0) >= maxFailures(context);
}

/** The retry annotation's value when it asks for a round the operator has not started yet. */
function retryAsked(context: StepContext, current: DatabasePromotion): string | undefined {
  const value = context.tenant.metadata.annotations?.[promotionRetryAnnotation];
  return value !== undefined && value !== current.retry ? value : undefined;
}

/** status.database.promotion.retry's limit in the CRD. */
const maxRetryLength = 63;

/** A new round after a human's retry: no failure counted, writes not yet stopped again. */
function freshRound(current: DatabasePromotion, retry: string): DatabasePromotion {
  const { verificationFailures: _failures, verificationFailed: _failed, writesStoppedAt: _stopped, ...rest } = current;
  return { ...rest, retry };
}

async function verificationFailed(
  context: StepContext,
  spec: PromotionSpec,
  current: DatabasePromotion,
  mismatches: string[],
): Promise<StepResult> {
  const failures = (current.verificationFailures ?? 0) + 1;
  const found = truncated(mismatches.join('; '), 1000);
  const counted = { verificationFailures: failures, verificationFailed: found };
  if (failures < maxFailures(context)) {
    const message = `the copy in ${spec.dedicated.databaseName} does not match the pool, so nothing was cut over and schema ${spec.pooled.schemaName} is kept; it is copied again (failed verification ${failures} of at most ${maxFailures(context)}): ${found}`;
    return { next: advance(current, 'Copying', counted), done: '', failed: outcome('False', Reason.PromotionVerificationFailed, message) };
  }
  const next = advance(current, 'StoppingWrites', counted);
  const message = stoppedMessage(context, spec, next);
  await context.events?.record(context.tenant, 'Warning', Reason.PromotionVerificationFailed, message).catch(() => undefined);
  return { next, done: '', failed: outcome('False', Reason.PromotionVerificationFailed, message) };
}

/**
 * Stopped by failed verifications: the copy is not trusted and nothing was cut over, so the tenant
 * reads and writes in the pool again (its pooled tier's own ensure gives CONNECT back) while a human
 * looks. The copy in its own database stays for them until the next round clears it.
 */
async function waitForHuman(context: StepContext, spec: PromotionSpec, current: DatabasePromotion): Promise<StepResult> {
  const { password } = await livePassword(context);
  if (password === undefined) throw new Error(`Secret ${databaseSecretName(context.tenant)} holds no password`);
  await (await pooledProvider(context)).ensure(spec.pooled, password);
  const tooLong = (retryAsked(context, current)?.length ?? 0) > maxRetryLength;
  const refused = tooLong
    ? `; the ${promotionRetryAnnotation} annotation was not acted on: it must be at most ${maxRetryLength} characters`
    : '';
  return {
    next: current,
    done: '',
    failed: outcome('False', Reason.PromotionVerificationFailed, `${stoppedMessage(context, spec, current)}${refused}`),
  };
}

function stoppedMessage(context: StepContext, spec: PromotionSpec, current: DatabasePromotion): string {
  return (
    `the promotion stopped after ${current.verificationFailures} failed verifications of the copy in ${spec.dedicated.databaseName}: ` +
    `${current.verificationFailed}; nothing was cut over, the tenant reads and writes in the pool (schema ${spec.pooled.schemaName}) again, ` +
    `and the copy is kept for inspection; once the cause is found, ask for another round with ` +
    `kubectl annotate tenant ${context.tenant.metadata.name} ${promotionRetryAnnotation}=<a new value> --overwrite`
  );
}

const truncated = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const runners: Record<PromotionStep, PromotionRunner> = {
  CreatingDatabase: createDatabase,
  StoppingWrites: stopWrites,
  Copying: copy,
  Verifying: verify,
  CuttingOver: cutOver,
  DroppingPooled: dropPooled,
};
