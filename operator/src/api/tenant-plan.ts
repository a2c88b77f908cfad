/**
 * The TenantPlan API as zod schemas: the same fields, limits and defaults as
 * crds/bulkhead.dev_tenantplans.yaml (isolation per resource included), plus the cross-object rule that a Tenant may only set the
 * chart values its plan allows (the operator reports a breach as InvalidSpec).
 * tenant-plan.test.ts fails when this file and the CRD drift apart.
 */
import { z } from 'zod';
import { ConditionSchema } from './conditions.js';
import { ChartValuesSchema, ObjectMetaSchema, apiVersion, semanticVersionPattern, type TenantSpec } from './tenant.js';

export const tenantPlanKind = 'TenantPlan';
export const tenantPlanListKind = 'TenantPlanList';
export const tenantPlanPlural = 'tenantplans';

/** Tenants name their plan in spec.plan, which allows at most 63 characters. */
export const maximumTenantPlanNameLength = 63;

/** The messages of the CRD's CEL rules, word for word. */
export const tenantPlanRuleMessages = {
  nameLength: `metadata.name must be at most ${maximumTenantPlanNameLength} characters so that a Tenant's spec.plan can name this plan`,
  sharedReleaseNeedsSharedDatabase:
    'release may be Shared only with database Shared: the shared release serves its tenants from schemas in the pool database; a shared release over databases of their own is not built',
  releaseIsolationFixed:
    'release may not change once set: moving tenants between the shared release and releases of their own is not built yet; create a new plan instead',
  databaseIsolationFixed:
    'database may not change once set: moving tenants between a pooled and a dedicated database (promotion) is not built yet; create a new plan instead',
} as const;

/** The pattern controller-gen emits for resource.Quantity. */
const quantityPattern = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** A Kubernetes quantity such as 8, "500m" or "16Gi" (x-kubernetes-int-or-string in the CRD). */
export const QuantitySchema = z.union([z.int(), z.string().regex(quantityPattern)]);
export type Quantity = z.infer<typeof QuantitySchema>;

const ObjectCountSchema = z.int().min(0);

export const TenantPlanQuotaSchema = z.strictObject({
  cpu: QuantitySchema,
  memory: QuantitySchema,
  storage: QuantitySchema,
  pods: ObjectCountSchema,
  services: ObjectCountSchema,
  persistentVolumeClaims: ObjectCountSchema,
  configMaps: ObjectCountSchema,
  secrets: ObjectCountSchema,
});

const ContainerResourcesSchema = z.strictObject({ cpu: QuantitySchema, memory: QuantitySchema });

export const TenantPlanLimitsSchema = z.strictObject({
  defaultRequest: ContainerResourcesSchema,
  default: ContainerResourcesSchema,
  max: ContainerResourcesSchema,
});

export const TenantPlanDatabaseSchema = z.strictObject({
  connectionLimit: z.int().min(1).max(1000).default(20),
});

export const TenantPlanAppSchema = z.strictObject({
  chart: z.string().min(1).max(63).default('tenant-app'),
  version: z.string().max(64).regex(semanticVersionPattern),
  values: ChartValuesSchema.optional(),
  allowedValueKeys: z
    .array(z.string().min(1).max(63))
    .max(64)
    .refine((keys) => new Set(keys).size === keys.length, 'Duplicate value')
    .optional(),
});

export const TenantPlanNetworkSchema = z.strictObject({
  allowExternalNameServices: z.boolean().default(false),
});

export const TenantPlanRolloutSchema = z.strictObject({
  ring: z.int().min(0).max(9).default(9),
});

/** Dedicated: the tenant gets one of its own (the silo). Shared: it shares one with other tenants (the pool). */
export const IsolationModeSchema = z.enum(['Dedicated', 'Shared']);
export type IsolationMode = z.infer<typeof IsolationModeSchema>;

/**
 * Per resource, whether a tenant on this plan gets its own or shares one (docs/decisions/0043).
 * Dedicated everywhere by default, so plans written before tiers existed keep the silo. The
 * database and the key (decision 0049) may be Shared; the release only with the database
 * (decision 0050); the CRD also refuses changing `database` or `release` on an existing plan.
 */
export const TenantPlanIsolationSchema = z
  .strictObject({
    database: IsolationModeSchema.default('Dedicated'),
    key: IsolationModeSchema.default('Dedicated'),
    release: IsolationModeSchema.default('Dedicated'),
  })
  .refine(
    (isolation) => isolation.release === 'Dedicated' || isolation.database === 'Shared',
    tenantPlanRuleMessages.sharedReleaseNeedsSharedDatabase,
  );
export type TenantPlanIsolation = z.infer<typeof TenantPlanIsolationSchema>;

export const TenantPlanBackupSchema = z.strictObject({
  intervalMinutes: z.int().min(5).max(10080),
  keepLast: z.int().min(1).max(1000),
  maxAgeDays: z.int().min(1).max(3650).optional(),
});
export type TenantPlanBackup = z.infer<typeof TenantPlanBackupSchema>;

export const TenantPlanSpecSchema = z.strictObject({
  displayName: z.string().min(1).max(128).optional(),
  quota: TenantPlanQuotaSchema,
  limits: TenantPlanLimitsSchema,
  // prefault, not default: like the CRD's `default: {}`, the empty object then gets its own defaults.
  database: TenantPlanDatabaseSchema.prefault({}),
  app: TenantPlanAppSchema,
  network: TenantPlanNetworkSchema.prefault({}),
  rollout: TenantPlanRolloutSchema.prefault({}),
  backup: TenantPlanBackupSchema.optional(),
  isolation: TenantPlanIsolationSchema.prefault({}),
});
export type TenantPlanSpec = z.infer<typeof TenantPlanSpecSchema>;
export type TenantPlanSpecInput = z.input<typeof TenantPlanSpecSchema>;

export const TenantPlanStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type TenantPlanStatus = z.infer<typeof TenantPlanStatusSchema>;

const TenantPlanMetadataSchema = ObjectMetaSchema.refine((metadata) => metadata.name.length <= maximumTenantPlanNameLength, {
  path: ['name'],
  message: tenantPlanRuleMessages.nameLength,
});

export const TenantPlanSchema = z.object({
  apiVersion: z.literal(apiVersion),
  kind: z.literal(tenantPlanKind),
  metadata: TenantPlanMetadataSchema,
  spec: TenantPlanSpecSchema,
  status: TenantPlanStatusSchema.optional(),
});
/** A TenantPlan as read back: defaults applied. */
export type TenantPlan = z.infer<typeof TenantPlanSchema>;
/** A TenantPlan as written in a manifest: defaulted fields may be left out. */
export type TenantPlanInput = z.input<typeof TenantPlanSchema>;

/**
 * The top-level keys of a tenant's spec.app.values that its plan does not list in
 * allowedValueKeys. The CRDs cannot see across objects, so the operator checks this and reports
 * InvalidSpec, and the onboarding API answers 422.
 */
export function disallowedValueKeys(plan: TenantPlanSpec, tenant: TenantSpec): string[] {
  const allowed = new Set(plan.app.allowedValueKeys ?? []);
  return Object.keys(tenant.app?.values ?? {}).filter((key) => !allowed.has(key));
}

/** Whether tenants on this plan get a schema in their region's shared pool database instead of a database of their own. */
export function usesPooledDatabase(plan: { spec: { isolation?: { database?: IsolationMode } } }): boolean {
  return plan.spec.isolation?.database === 'Shared';
}

/** Whether tenants on this plan are served by their region's shared release instead of a release of their own (docs/decisions/0050). */
export function usesSharedRelease(plan: { spec: { isolation?: { release?: IsolationMode } } }): boolean {
  return plan.spec.isolation?.release === 'Shared';
}
