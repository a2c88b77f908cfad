/**
 * The pool key part of the data audit for one region: reads the pool key's policy and grants once,
 * then judges each pooled-key tenant (pool-key-checks.ts), probing its real data key under its own
 * context and under the next pooled tenant's. The key part of every audit run calls it for the
 * region's tenants on the pool key (pooled-key-tenants.ts; docs/decisions/0049).
 */
import { buildPoolKeyPolicy, tenantEncryptionContext, type PoolKeyInspector, type WrappedDataKey } from '../../providers/kms/pool/index.js';
import type { AuditCheck } from '../model.js';
import { indexPoolGrants, judgePoolContextProbe, judgePoolGrants, judgePoolPolicy, type PoolKeyTenant } from './pool-key-checks.js';

export interface PooledKeyTenantInput {
  tenant: PoolKeyTenant;
  /** Its wrapped data key as the store holds it; undefined when it has none. */
  dataKey: WrappedDataKey | undefined;
}

export interface PoolKeyAuditRequest {
  region: string;
  /** What the pool key's policy must be built from: the operator's principal and the account root. */
  operatorPrincipal: string;
  rootArn: string;
  tenants: readonly PooledKeyTenantInput[];
}

export async function auditPoolKey(inspector: PoolKeyInspector, request: PoolKeyAuditRequest): Promise<AuditCheck[]> {
  const { region, tenants } = request;
  const view = await inspector.poolKey(region);
  const desired = buildPoolKeyPolicy({ region, operatorPrincipal: request.operatorPrincipal }, request.rootArn);
  const facts = { region, poolKeyId: view?.keyId, grants: indexPoolGrants(view?.grants ?? []) };
  const checks: AuditCheck[] = [];
  for (const [index, { tenant, dataKey }] of tenants.entries()) {
    checks.push(judgePoolGrants({ ...facts, tenant }));
    checks.push(judgePoolPolicy({ tenant: tenant.name, region, poolKeyId: view?.keyId, actual: view?.policy, desired }));
    checks.push(await probeTenant(inspector, tenant.name, dataKey, neighbour(tenants, index)));
  }
  return checks;
}

/** The next pooled tenant's name, whose context the probe tries; undefined when the tenant is alone. */
function neighbour(tenants: readonly PooledKeyTenantInput[], index: number): string | undefined {
  return tenants.length > 1 ? tenants[(index + 1) % tenants.length]?.tenant.name : undefined;
}

async function probeTenant(
  inspector: PoolKeyInspector,
  tenant: string,
  dataKey: WrappedDataKey | undefined,
  other: string | undefined,
): Promise<AuditCheck> {
  const probe = dataKey ? await inspector.probeDataKey(dataKey, other ? tenantEncryptionContext(other) : undefined) : undefined;
  return judgePoolContextProbe(tenant, other, probe);
}
