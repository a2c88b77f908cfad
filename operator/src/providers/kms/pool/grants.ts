/**
 * A pooled tenant's grant on its region's pool key: its workload identity may Decrypt, and only
 * when the request's encryption context is exactly `{tenant: <name>}` (EncryptionContextEquals).
 * A grant per tenant, not a policy statement per tenant: a key takes 50,000 grants, while its
 * policy is capped at 32 KB, a few hundred statements (docs/decisions/0049).
 */
import { CreateGrantCommand, ListGrantsCommand, RevokeGrantCommand, type GrantListEntry } from '@aws-sdk/client-kms';
import { crashPoint } from '../../../runtime/crash-points.js';
import type { LeadershipFence } from '../../../runtime/fence.js';
import { unlessNotFound, type KmsSession } from '../kms-session.js';
import { tenantEncryptionContext, tenantGrantName, tenantGrantNamePrefix, tenantGrantOperations } from './names.js';

export const grantCrashPoints = {
  afterCreateGrant: 'kms.after-create-grant',
} as const;

/** A grant as the audit and the provider read it back. */
export interface PoolGrant {
  grantId: string;
  name: string;
  granteePrincipal: string;
  operations: string[];
  /** The EncryptionContextEquals constraint; undefined when the grant has none. */
  contextEquals?: Record<string, string>;
  /** Set when the grant is constrained by EncryptionContextSubset instead (weaker: any context containing it). */
  contextSubset?: Record<string, string>;
}

export interface TenantGrantSpec {
  tenant: string;
  tenantUid: string;
  /** The tenant's workload identity. */
  principal: string;
}

/**
 * Every grant on the key, or those to one grantee. AWS filters by grantee on its side (a pool key
 * may hold 50,000 grants, 100 a page); the filter is applied here too, for emulators that ignore it.
 */
export async function listPoolGrants(session: KmsSession, keyId: string, granteePrincipal?: string): Promise<PoolGrant[]> {
  const grants: PoolGrant[] = [];
  let marker: string | undefined;
  do {
    const page = await session.call(`listing the grants of key ${keyId}`, (kms, options) =>
      kms.send(new ListGrantsCommand({ KeyId: keyId, Marker: marker, GranteePrincipal: granteePrincipal }), options),
    );
    const listed = (page.Grants ?? []).map(poolGrantOf);
    grants.push(...listed.filter((grant) => granteePrincipal === undefined || grant.granteePrincipal === granteePrincipal));
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker !== undefined);
  return grants;
}

function poolGrantOf(entry: GrantListEntry): PoolGrant {
  return {
    grantId: entry.GrantId ?? '',
    name: entry.Name ?? '',
    granteePrincipal: entry.GranteePrincipal ?? '',
    operations: [...(entry.Operations ?? [])].sort(),
    ...(entry.Constraints?.EncryptionContextEquals ? { contextEquals: entry.Constraints.EncryptionContextEquals } : {}),
    ...(entry.Constraints?.EncryptionContextSubset ? { contextSubset: entry.Constraints.EncryptionContextSubset } : {}),
  };
}

/** Whether a grant is exactly the one the tenant should have (the audit judges the rest). */
export function isTenantGrant(grant: PoolGrant, spec: TenantGrantSpec): boolean {
  const context = tenantEncryptionContext(spec.tenant);
  return (
    grant.name === tenantGrantName(spec.tenant, spec.tenantUid) &&
    grant.granteePrincipal === spec.principal &&
    grant.contextSubset === undefined &&
    JSON.stringify(grant.operations) === JSON.stringify([...tenantGrantOperations]) &&
    JSON.stringify(grant.contextEquals ?? null) === JSON.stringify(context)
  );
}

/**
 * The tenant's grant, created unless one of exactly that shape exists. A grant of the tenant's
 * name to its principal in another shape is revoked after the right one exists. Only the tenant's
 * principal's grants are listed (every reconcile runs this); grants of its context to anyone else
 * are the audit's to find (key.pool-grants), and deletion revokes by name over every grant.
 */
export async function ensureTenantGrant(
  session: KmsSession,
  keyId: string,
  spec: TenantGrantSpec,
  fence: LeadershipFence,
): Promise<{ grantId: string; created: boolean }> {
  const name = tenantGrantName(spec.tenant, spec.tenantUid);
  const named = (await listPoolGrants(session, keyId, spec.principal)).filter((grant) => grant.name === name);
  let grant = named.find((candidate) => isTenantGrant(candidate, spec));
  let created = false;
  if (grant === undefined) {
    const response = await session.call(`granting tenant ${spec.tenant} its data key on the pool key`, (kms, options) =>
      kms.send(
        new CreateGrantCommand({
          KeyId: keyId,
          Name: name,
          GranteePrincipal: spec.principal,
          Operations: [...tenantGrantOperations],
          Constraints: { EncryptionContextEquals: tenantEncryptionContext(spec.tenant) },
        }),
        options,
      ),
    );
    crashPoint(grantCrashPoints.afterCreateGrant);
    grant = { grantId: response.GrantId ?? '', name, granteePrincipal: spec.principal, operations: [...tenantGrantOperations] };
    created = true;
  }
  for (const stray of named.filter((candidate) => candidate.grantId !== grant.grantId)) await revokeGrant(session, keyId, stray, fence);
  return { grantId: grant.grantId, created };
}

/** Revokes every grant of the tenant's name (any UID: a namesake's grant is never anyone's to keep). */
export async function revokeTenantGrants(session: KmsSession, keyId: string, tenant: string, fence: LeadershipFence): Promise<string[]> {
  const prefix = tenantGrantNamePrefix(tenant);
  const grants = (await listPoolGrants(session, keyId)).filter((grant) => grant.name.startsWith(prefix));
  for (const grant of grants) await revokeGrant(session, keyId, grant, fence);
  return grants.map((grant) => grant.grantId);
}

async function revokeGrant(session: KmsSession, keyId: string, grant: PoolGrant, fence: LeadershipFence): Promise<void> {
  await unlessNotFound(
    session.destroy(fence, `revoking grant ${grant.name} on key ${keyId}`, (kms, options) =>
      kms.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: grant.grantId }), options),
    ),
  );
}
