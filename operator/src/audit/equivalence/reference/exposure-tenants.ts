// The code before decision 0060, kept verbatim (imports re-pointed) so the equivalence tests compare the indexed parts with it.
/**
 * Each tenant as the platform grants it, computed from the Tenants and plans rather than read from
 * the namespace (whose annotations the admission check compares with this): the host names it may
 * serve, as the operator decides them (resources/domains.ts), and whether its plan allows
 * ExternalName Services. A plan that does not exist allows nothing.
 */
import { namespaceName } from '../../../api/names.js';
import type { TenantPlan } from '../../../api/tenant-plan.js';
import type { Tenant } from '../../../api/tenant.js';
import { claimantOf } from '../../../controllers/tenant/domain-claims.js';
import { tenantDomains } from '../../../resources/domains.js';
import type { TenantExposure } from './exposure-model.js';

export function exposureTenants(
  tenants: readonly Tenant[],
  plans: readonly TenantPlan[],
  baseDomain: string | undefined,
): TenantExposure[] {
  const claimants = tenants.map(claimantOf);
  return tenants.map((tenant) => {
    const plan = plans.find((candidate) => candidate.metadata.name === tenant.spec.plan);
    return {
      name: tenant.metadata.name,
      uid: tenant.metadata.uid ?? '',
      namespace: tenant.status?.namespace ?? namespaceName(tenant),
      domains: tenantDomains(claimantOf(tenant), claimants, baseDomain).granted,
      allowExternalNames: plan?.spec.network?.allowExternalNameServices ?? false,
    };
  });
}
