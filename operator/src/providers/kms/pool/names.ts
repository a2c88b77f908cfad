/**
 * The names the pool key and its grants go by. One pool key per region behind
 * `alias/bulkhead/pool/<region>`, tagged so that a key a crashed call created but never aliased is
 * found and adopted; one grant per pooled tenant, named by its UID so that a former namesake's
 * grant is never taken for the tenant's own (docs/decisions/0049).
 */
import { group } from '../../../api/labels.js';
import { encryptionContextKey } from '../key-policy.js';

/** The tag that marks a key as a region's pool key; its value is the region. */
export const poolKeyTagKey = `${group}/pool-key`;

/** The only operation a tenant's grant allows: opening its own data key. */
export const tenantGrantOperations = ['Decrypt'] as const;

export function poolKeyAlias(region: string): string {
  return `alias/bulkhead/pool/${region}`;
}

/** The grant's Name: KMS lists it back, so the provider finds the tenant's grant (and only its own) by it. */
export function tenantGrantName(tenant: string, tenantUid: string): string {
  return `${tenantGrantNamePrefix(tenant)}${tenantUid}`;
}

/**
 * The prefix every grant of a tenant's name carries, whatever its UID: what deletion revokes. A '/'
 * (allowed in grant names, never in a tenant's) ends the name, so tenant acme's prefix does not
 * match acme-corp's grants.
 */
export function tenantGrantNamePrefix(tenant: string): string {
  return `bulkhead/tenant/${tenant}/`;
}

/** The encryption context of a tenant's data key: the same `{tenant: <name>}` the dedicated tier's app uses. */
export function tenantEncryptionContext(tenant: string): Record<string, string> {
  return { [encryptionContextKey]: tenant };
}
