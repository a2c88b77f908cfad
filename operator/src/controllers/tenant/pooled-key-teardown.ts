/**
 * Teardown of a pooled-key tenant (docs/decisions/0049): its grant on the region's pool key is
 * revoked, then its wrapped data key deleted with its encryption-key ConfigMap, both behind the
 * leadership fence. The pool key lives on for the region's other tenants, so nothing is scheduled
 * for deletion: this shreds less than a dedicated key's deletion, as the decision says.
 */
import type { Tenant } from '../../api/tenant.js';
import type { TeardownDeps } from './teardown.js';
import { configMapDataKeyStore } from './steps/pooled-encryption-key.js';

export async function releasePooledKey(deps: TeardownDeps, tenant: Tenant): Promise<void> {
  const name = tenant.metadata.name;
  const provider = await deps.providers.pooledKms?.(tenant.spec.region);
  if (!provider) throw new Error(`region ${tenant.spec.region} has no pool key provider, so tenant ${name}'s grant was not revoked`);
  const store = configMapDataKeyStore({ client: deps.client, tenant, fence: deps.fence });
  const { revokedGrantIds } = await provider.releaseTenant(name, store, deps.fence);
  const message = `Revoked ${revokedGrantIds.length} grant(s) of the tenant on the pool key and deleted its wrapped data key`;
  deps.logger.info(message, { tenant: name });
  await deps.events.record(tenant, 'Normal', 'PoolKeyGrantRevoked', message).catch(() => undefined);
}
