/**
 * Teardown of a pooled-key tenant (docs/decisions/0049): its grant on the region's pool key is
 * revoked behind the leadership fence; its wrapped data key went with its namespace (and its
 * encryption-key ConfigMap), which finalize deleted behind the fence first. The pool key lives on for the region's other tenants, so nothing is scheduled
 * for deletion: this shreds less than a dedicated key's deletion, as the decision says.
 */
import type { Tenant } from '../../api/tenant.js';
import type { TeardownDeps } from './teardown.js';
import type { DataKeyStore } from '../../providers/kms/pool/index.js';
import { forgetPoolKeyBackups } from './deletion-backup.js';
import { recordsPoolKey } from './steps/pooled-encryption-key.js';

/**
 * The wrapped data key's ConfigMap is already gone: finalize.ts tears the data down only once the
 * tenant's namespace, deleted behind the fence, no longer exists (and with it the operator's rights there).
 */
const goneWithNamespace: DataKeyStore = {
  read: () => Promise.resolve(undefined),
  write: () => Promise.reject(new Error('a deleted tenant gets no data key')),
  delete: () => Promise.resolve(),
};

export async function releasePooledKey(deps: TeardownDeps, tenant: Tenant): Promise<void> {
  const name = tenant.metadata.name;
  const provider = await deps.providers.pooledKms?.(tenant.spec.region);
  if (!provider) throw new Error(`region ${tenant.spec.region} has no pool key provider, so tenant ${name}'s grant was not revoked`);
  const store = goneWithNamespace;
  const { revokedGrantIds } = await provider.releaseTenant(name, store, deps.fence);
  const message = `Revoked ${revokedGrantIds.length} grant(s) of the tenant on the pool key; its wrapped data key went with its namespace`;
  deps.logger.info(message, { tenant: name });
  await deps.events.record(tenant, 'Normal', 'PoolKeyGrantRevoked', message).catch(() => undefined);
}

/**
 * A pooled-key tenant's grant revoked; true when that is all of its key there is. A tenant whose
 * key promotion began (decision 0052) may also have a key of its own, which the caller schedules
 * for deletion as any tenant's.
 */
export async function releasedPoolKeyOnly(deps: TeardownDeps, tenant: Tenant): Promise<boolean> {
  if (!recordsPoolKey(tenant)) return false;
  await releasePooledKey(deps, tenant);
  // Sealed under the region's pool-backups key, which no key deletion shreds (decision 0055).
  await forgetPoolKeyBackups(deps, tenant);
  return tenant.status?.encryption?.promotion === undefined;
}
