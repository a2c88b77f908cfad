/**
 * What happens to a deleted tenant's data, by its spec.database.deletionPolicy: Retain (default:
 * the database and its data stay, the role can no longer log in), Snapshot (pg_dump, verified
 * readable, then drop), Delete (drop) or Export (a final export sealed under the tenant's key with
 * a signed manifest in the object store, then drop; final-export.ts). Its KMS key is scheduled for deletion (crypto-shredding)
 * within the configured pending window. Every action is idempotent, so a crash part-way through
 * simply runs it again; each is recorded in an Event and the log, saying where the data is. Drops
 * and the key's deletion pass the leadership fence.
 *
 * A region missing from the operator's configuration is never skipped silently: the Tenant keeps
 * its finalizer and reports RegionNotConfigured until the region returns, or until the
 * bulkhead.dev/orphan-data annotation releases it without touching the database or key.
 */
import { ConditionType, Reason } from '../../api/conditions.js';
import { orphanDataAnnotation } from '../../api/labels.js';
import { databaseName, keyAlias, roleName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { DeletionPolicy, Tenant, TenantStatus } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { partitionOf } from '../../providers/kms/key-policy.js';
import { tenantPrincipal } from '../../providers/kms/principal.js';
import type { LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import type { StepOutcome } from './context.js';
import { storeDeletionBackup } from './deletion-backup.js';
import { recordOffboarding, writeFinalExport, type FinalExport } from './final-export.js';
import { releasedPoolKeyOnly } from './pooled-key-teardown.js';
import { recordedPoolSchema, tearDownMidPromotion, tearDownPooledDatabase } from './pooled-teardown.js';
import type { Providers } from './regional-providers.js';

export interface TeardownDeps {
  client: KubeClient;
  config: OperatorConfig;
  providers: Providers;
  events: EventRecorder;
  logger: Logger;
  fence: LeadershipFence;
}

/** What to do with a deleted tenant's database and key. */
export type DataDisposition = 'tearDown' | 'orphan' | 'waitForRegion';

/** The orphan annotation wins; otherwise the data is torn down if its region is configured, else waited for. */
export function dataDisposition(tenant: Tenant, regionConfigured: boolean): DataDisposition {
  if (tenant.metadata.annotations?.[orphanDataAnnotation] === 'true') return 'orphan';
  return regionConfigured ? 'tearDown' : 'waitForRegion';
}

/** The conditions to report, and whether the finalizer may go. */
export interface TeardownResult {
  outcomes: StepOutcome[];
  report: Partial<TenantStatus>;
  release: boolean;
  /** When the finalizer stays for a failure that is retried (a failed export), how soon. */
  retryAfterMs?: number;
}

export async function tearDownData(deps: TeardownDeps, tenant: Tenant): Promise<TeardownResult> {
  const disposition = dataDisposition(tenant, deps.providers.settings(tenant.spec.region) !== undefined);
  if (disposition === 'orphan') return orphanData(deps, tenant);
  if (disposition === 'waitForRegion') return waitForRegion(deps, tenant);
  const attempt = await finalExportOf(deps, tenant);
  if (attempt.failed) return attempt.failed;
  const { exported } = attempt;
  await tearDownDatabase(deps, tenant);
  // A pooled-key tenant has no key of its own to delete (unless a key promotion began): its grant,
  // wrapped data key and backups sealed under the pool-backups key go instead.
  if (await releasedPoolKeyOnly(deps, tenant)) {
    if (exported) await recordOffboarding(exported, undefined);
    return { outcomes: [], report: {}, release: true };
  }
  const deletion = await scheduleKeyDeletion(deps, tenant);
  if (exported) await recordOffboarding(exported, deletion);
  const deletionDate = deletion?.deletionDate;
  if (!deletionDate) return { outcomes: [], report: {}, release: true };
  return {
    outcomes: [
      {
        type: ConditionType.EncryptionKeyReady,
        status: 'False',
        reason: Reason.EncryptionKeyPendingDeletion,
        message: `the key will be deleted on ${deletionDate.toISOString()}`,
      },
    ],
    report: { encryption: { ...tenant.status?.encryption, deletionDate: deletionDate.toISOString() } },
    release: true,
  };
}

/** The final export a tenant deleted with Export gets first; none for other policies. */
async function finalExportOf(deps: TeardownDeps, tenant: Tenant): Promise<{ failed?: TeardownResult; exported?: FinalExport }> {
  // A pooled tenant's export is its schema and shared rows (docs/decisions/0055).
  if (tenant.spec.database?.deletionPolicy !== 'Export') return {};
  return writeFinalExport(deps, tenant);
}

/** Both conditions say why; Ready carries it, and its change is recorded as a Warning Event (status.ts). */
function waitForRegion(deps: TeardownDeps, tenant: Tenant): TeardownResult {
  const { region } = tenant.spec;
  const message =
    `region ${region} is not in the operator's configuration, so database ${databaseName(tenant)} and key ` +
    `${keyAlias(tenant)} were not torn down; the Tenant stays until the region is configured again, or until the annotation ` +
    `${orphanDataAnnotation}=true releases it without touching them`;
  deps.logger.warn('Waiting for the region of a deleted tenant to be configured', { tenant: tenant.metadata.name, region });
  const outcome = (type: ConditionType): StepOutcome => ({ type, status: 'False', reason: Reason.RegionNotConfigured, message });
  return { outcomes: [outcome(ConditionType.DatabaseReady), outcome(ConditionType.EncryptionKeyReady)], report: {}, release: false };
}

async function orphanData(deps: TeardownDeps, tenant: Tenant): Promise<TeardownResult> {
  const message =
    `Released without touching database ${databaseName(tenant)} or key ${keyAlias(tenant)} in region ` +
    `${tenant.spec.region}, as the annotation ${orphanDataAnnotation}=true asks; Bulkhead no longer manages them`;
  deps.logger.warn(message, { tenant: tenant.metadata.name, region: tenant.spec.region });
  await deps.events.record(tenant, 'Warning', 'DataOrphaned', message).catch(() => undefined);
  return { outcomes: [], report: {}, release: true };
}

async function tearDownDatabase(deps: TeardownDeps, tenant: Tenant): Promise<void> {
  const policy = tenant.spec.database?.deletionPolicy ?? 'Retain';
  const pooledSchema = recordedPoolSchema(tenant);
  const message =
    tenant.status?.database?.promotion !== undefined
      ? await tearDownMidPromotion(deps, tenant, () => tearDownOwnDatabase(deps, tenant, policy))
      : pooledSchema === undefined
        ? await tearDownOwnDatabase(deps, tenant, policy)
        : await tearDownPooledDatabase(deps, tenant, pooledSchema);
  deps.logger.info(message, { tenant: tenant.metadata.name, deletionPolicy: policy });
  await deps.events.record(tenant, 'Normal', `Database${eventSuffix[policy]}`, message).catch(() => undefined);
}

/** A database of the tenant's own, by policy; returns what happened, in words for the Event. */
async function tearDownOwnDatabase(deps: TeardownDeps, tenant: Tenant, policy: DeletionPolicy): Promise<string> {
  const settings = deps.providers.settings(tenant.spec.region);
  if (!settings) throw new Error(`region ${tenant.spec.region} is not configured`);
  const spec = {
    tenant: tenant.metadata.name,
    tenantUid: tenant.metadata.uid ?? '',
    databaseName: databaseName(tenant),
    roleName: roleName(tenant),
    connectionLimit: 1,
  };
  const provider = await deps.providers.database(tenant.spec.region);
  const where = `${settings.database.host}:${settings.database.port}`;
  if (policy === 'Delete') {
    await provider.drop(spec, deps.fence);
    return `Dropped database ${spec.databaseName} and role ${spec.roleName} on ${where} (deletionPolicy Delete)`;
  }
  if (policy === 'Export') {
    await provider.drop(spec, deps.fence);
    return `Dropped database ${spec.databaseName} and role ${spec.roleName} on ${where} after its final export (deletionPolicy Export)`;
  }
  if (policy === 'Snapshot') {
    const stored = await storeDeletionBackup(deps, tenant, spec);
    const { file } = await provider.snapshotAndDrop(spec, deps.fence);
    return `Snapshot of database ${spec.databaseName} written to ${file ?? '(no database was left to snapshot)'}${stored}; database and role dropped`;
  }
  await provider.retain(spec);
  return `Retained database ${spec.databaseName} on ${where} with its data; role ${spec.roleName} can no longer log in`;
}

const eventSuffix = { Retain: 'Retained', Snapshot: 'Snapshotted', Delete: 'Deleted', Export: 'Deleted' } as const;

/** Schedules the key's deletion; returns the key and when KMS will destroy it (undefined when there was no key). */
async function scheduleKeyDeletion(deps: TeardownDeps, tenant: Tenant): Promise<{ keyId: string; deletionDate: Date } | undefined> {
  const settings = deps.providers.settings(tenant.spec.region);
  if (!settings) throw new Error(`region ${tenant.spec.region} is not configured`);
  const name = tenant.metadata.name;
  const spec = {
    tenant: name,
    tenantUid: tenant.metadata.uid ?? '',
    alias: keyAlias(tenant),
    rotation: true,
    principal: tenantPrincipal(deps.config.encryption.principalTemplate, {
      tenant: name,
      accountId: settings.kms.accountId,
      partition: partitionOf(tenant.spec.region),
    }),
  };
  const keys = await deps.providers.kms(tenant.spec.region);
  const deletion = await keys.scheduleDeletion(spec, deps.config.encryption.pendingWindowDays, deps.fence);
  if (!deletion) return undefined;
  const message = `Scheduled deletion of KMS key ${deletion.keyId} on ${deletion.deletionDate.toISOString()}`;
  deps.logger.info(message, { tenant: name });
  await deps.events.record(tenant, 'Normal', 'EncryptionKeyPendingDeletion', message).catch(() => undefined);
  return deletion;
}
