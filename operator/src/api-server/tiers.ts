/**
 * The tiers of a tenant as sales ops read them (docs/tiers.md): per resource, Dedicated or Shared
 * as the operator last reported it, and a promotion from the pool under way, of the database
 * (decision 0048) or of the key (decision 0052); and the refusal of a plan change that would move a
 * tenant with a database or a key of its own into the pool (demotion is not built). The key is
 * Shared while the operator reports its region's pool key, which it does until a key promotion is
 * done. The release is the tier the operator last recorded serving it from (`status.release`,
 * decision 0054).
 */
import type { Tenant } from '../api/index.js';
import { keyAlias } from '../api/names.js';
import { usesPooledDatabase, type TenantPlan } from '../api/tenant-plan.js';
import { poolKeyAlias } from '../providers/kms/pool/names.js';
import { validationProblem, type ApiProblem, type FieldError } from './problems.js';
import type { TenantTiers } from './schemas.js';

/** Shared when the operator reported the region's pool key as the tenant's (decision 0049). */
function keyTier(tenant: Tenant): TenantTiers['key'] {
  return tenant.status?.encryption?.alias === poolKeyAlias(tenant.spec.region) ? 'Shared' : 'Dedicated';
}

function keyPromotion(tenant: Tenant): TenantTiers['keyPromotion'] {
  const promotion = tenant.status?.encryption?.promotion;
  return promotion === undefined ? null : { step: promotion.step, startedAt: promotion.startedAt ?? null };
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
    keyPromotion: keyPromotion(tenant),
  };
}

/**
 * A 422 naming `plan` when `plan` would move a tenant with a database or a key of its own (or on
 * its way to one) into the pool, with an error per resource; undefined when the change may go
 * ahead (an upgrade out of the pool is a promotion).
 */
export function demotionProblem(tenant: Tenant, plan: TenantPlan): ApiProblem | undefined {
  const errors = [databaseDemotion(tenant, plan), keyDemotion(tenant, plan)].filter((error) => error !== undefined);
  return errors.length > 0 ? validationProblem(errors) : undefined;
}

function databaseDemotion(tenant: Tenant, plan: TenantPlan): FieldError | undefined {
  if (!usesPooledDatabase(plan)) return undefined;
  const database = tenant.status?.database;
  if (database?.promotion !== undefined) {
    return {
      field: 'plan',
      rule: 'noTierChangeDuringPromotion',
      message: `plan ${plan.metadata.name} shares the database, but tenant ${tenant.metadata.name} is being promoted to a database of its own (step ${database.promotion.step}); a promotion cannot be turned back`,
    };
  }
  if (database?.name === undefined || database.schema !== undefined) return undefined;
  return {
    field: 'plan',
    rule: 'noDemotion',
    message: `plan ${plan.metadata.name} has isolation.database Shared, but tenant ${tenant.metadata.name} has database ${database.name} of its own: moving a tenant into the pool is not supported`,
  };
}

function keyDemotion(tenant: Tenant, plan: TenantPlan): FieldError | undefined {
  if (plan.spec.isolation?.key !== 'Shared') return undefined;
  const encryption = tenant.status?.encryption;
  if (encryption?.promotion !== undefined) {
    return {
      field: 'plan',
      rule: 'noTierChangeDuringPromotion',
      message: `plan ${plan.metadata.name} shares the key, but tenant ${tenant.metadata.name} is being promoted to a key of its own (step ${encryption.promotion.step}); a promotion cannot be turned back`,
    };
  }
  if (encryption?.alias !== keyAlias(tenant)) return undefined;
  return {
    field: 'plan',
    rule: 'noKeyDemotion',
    message: `plan ${plan.metadata.name} has isolation.key Shared, but tenant ${tenant.metadata.name} has key ${encryption.alias} of its own: moving a tenant onto the pool key is not supported`,
  };
}
