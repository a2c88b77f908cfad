/**
 * The tiers of a tenant as sales ops read them (docs/tiers.md): per resource, Dedicated or Shared
 * as the operator last reported it, and a promotion from the pool under way; and the refusal of a
 * plan change that would move a tenant with a database of its own into the pool (demotion is not
 * built, decision 0048). The key is Shared when the operator reported its region's pool key
 * (decision 0049). The release is the tier the operator last recorded serving it from
 * (`status.release`, decision 0054).
 */
import type { Tenant } from '../api/index.js';
import { usesPooledDatabase, type TenantPlan } from '../api/tenant-plan.js';
import { poolKeyAlias } from '../providers/kms/pool/names.js';
import { validationProblem, type ApiProblem } from './problems.js';
import type { TenantTiers } from './schemas.js';

/** Shared when the operator reported the region's pool key as the tenant's (decision 0049). */
function keyTier(tenant: Tenant): TenantTiers['key'] {
  return tenant.status?.encryption?.alias === poolKeyAlias(tenant.spec.region) ? 'Shared' : 'Dedicated';
}

/** The release tier the operator last recorded (decision 0054); null before it first did. */
function releaseTier(tenant: Tenant): TenantTiers['release'] {
  return tenant.status?.release?.tier ?? null;
}

/** Where the tenant's resources are now, from its status; database and release null before the operator first reported them. */
export function tenantTiers(tenant: Tenant): TenantTiers {
  const database = tenant.status?.database;
  const promotion = database?.promotion;
  return {
    database: database?.schema !== undefined ? 'Shared' : database?.name !== undefined ? 'Dedicated' : null,
    key: keyTier(tenant),
    release: releaseTier(tenant),
    promotion:
      promotion === undefined
        ? null
        : {
            step: promotion.step,
            startedAt: promotion.startedAt ?? null,
            writesStoppedAt: promotion.writesStoppedAt ?? null,
          },
  };
}

/**
 * A 422 naming `plan` when `plan` shares the database and the tenant has one of its own or is on its
 * way out of the pool; undefined when the change may go ahead (an upgrade out of the pool is a promotion).
 */
export function demotionProblem(tenant: Tenant, plan: TenantPlan): ApiProblem | undefined {
  if (!usesPooledDatabase(plan)) return undefined;
  const database = tenant.status?.database;
  if (database?.promotion !== undefined) {
    return validationProblem([
      {
        field: 'plan',
        rule: 'noTierChangeDuringPromotion',
        message: `plan ${plan.metadata.name} shares the database, but tenant ${tenant.metadata.name} is being promoted to a database of its own (step ${database.promotion.step}); a promotion cannot be turned back`,
      },
    ]);
  }
  if (database?.name === undefined || database.schema !== undefined) return undefined;
  return validationProblem([
    {
      field: 'plan',
      rule: 'noDemotion',
      message: `plan ${plan.metadata.name} has isolation.database Shared, but tenant ${tenant.metadata.name} has database ${database.name} of its own: moving a tenant into the pool is not supported`,
    },
  ]);
}
