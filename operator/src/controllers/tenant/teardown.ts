/**
 * What happens to a deleted tenant's data, by its spec.database.deletionPolicy: Retain (default:
 * the database and its data stay, the role can no longer log in), Snapshot (pg_dump, verified
 * readable, then drop) or Delete (drop). Its KMS key is scheduled for deletion (crypto-shredding)
 * within the configured pending window. Every action is idempotent, so a crash part-way through
 * simply runs it again; each is recorded in an Event and the log, saying where the data is.
 */
import { databaseName, keyAlias, roleName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { EventRecorder } from '../../kube/events.js';
import { partitionOf, tenantPrincipal } from '../../providers/kms/index.js';
import type { Logger } from '../../runtime/logging.js';
import type { RegionalProviders } from './regional-providers.js';

export interface TeardownDeps {
  config: OperatorConfig;
  providers: RegionalProviders;
  events: EventRecorder;
  logger: Logger;
}

export async function tearDownDatabase(deps: TeardownDeps, tenant: Tenant): Promise<void> {
  const settings = deps.providers.settings(tenant.spec.region);
  if (!settings) return;
  const spec = { tenant: tenant.metadata.name, tenantUid: tenant.metadata.uid ?? '', databaseName: databaseName(tenant), roleName: roleName(tenant), connectionLimit: 1 };
  const provider = await deps.providers.database(tenant.spec.region);
  const where = `${settings.database.host}:${settings.database.port}`;
  const policy = tenant.spec.database?.deletionPolicy ?? 'Retain';
  let message: string;
  if (policy === 'Delete') {
    await provider.drop(spec);
    message = `Dropped database ${spec.databaseName} and role ${spec.roleName} on ${where} (deletionPolicy Delete)`;
  } else if (policy === 'Snapshot') {
    const { file } = await provider.snapshotAndDrop(spec);
    message = `Snapshot of database ${spec.databaseName} written to ${file ?? '(no database was left to snapshot)'}; database and role dropped`;
  } else {
    await provider.retain(spec);
    message = `Retained database ${spec.databaseName} on ${where} with its data; role ${spec.roleName} can no longer log in`;
  }
  deps.logger.info(message, { tenant: tenant.metadata.name, deletionPolicy: policy });
  await deps.events.record(tenant, 'Normal', `Database${policy === 'Retain' ? 'Retained' : policy === 'Snapshot' ? 'Snapshotted' : 'Deleted'}`, message)
    .catch(() => undefined);
}

/** Schedules the key's deletion; returns when KMS will destroy it (undefined when there was no key). */
export async function scheduleKeyDeletion(deps: TeardownDeps, tenant: Tenant): Promise<Date | undefined> {
  const settings = deps.providers.settings(tenant.spec.region);
  if (!settings) return undefined;
  const name = tenant.metadata.name;
  const spec = {
    tenant: name, tenantUid: tenant.metadata.uid ?? '', alias: keyAlias(tenant), rotation: true,
    principal: tenantPrincipal(deps.config.encryption.principalTemplate,
      { tenant: name, accountId: settings.kms.accountId, partition: partitionOf(tenant.spec.region) }),
  };
  const deletion = await (await deps.providers.kms(tenant.spec.region)).scheduleDeletion(spec, deps.config.encryption.pendingWindowDays);
  if (!deletion) return undefined;
  const message = `Scheduled deletion of KMS key ${deletion.keyId} on ${deletion.deletionDate.toISOString()}`;
  deps.logger.info(message, { tenant: name });
  await deps.events.record(tenant, 'Normal', 'EncryptionKeyPendingDeletion', message).catch(() => undefined);
  return deletion.deletionDate;
}
