/**
 * The TenantRestore API as zod schemas, the same fields and limits as
 * crds/bulkhead.dev_tenantrestores.yaml (schema-agreement.test.ts fails when they drift). A
 * TenantRestore asks once for one backup to be restored into one tenant's database; it is
 * cluster-scoped, so only those granted it cluster-wide can create one: platform admins, and the
 * onboarding API's ServiceAccount for `POST /v1/tenants/{name}/restores` (where only a platform
 * admin may set crossTenantOverride); no tenant owner's namespaced role can.
 * docs/decisions/0036 says why a resource of its own and not a Tenant field, 0041 why the API may ask.
 */
import { z } from 'zod';
import { ObjectMetaSchema, apiVersion } from './tenant.js';

export const tenantRestoreKind = 'TenantRestore';
export const tenantRestorePlural = 'tenantrestores';
/** The field manager of the TenantRestore controller's status writes. */
export const tenantRestoreFieldManager = 'bulkhead-restore';

/** The messages of the CRD's CEL rules, word for word. */
export const tenantRestoreRuleMessages = {
  immutable: 'spec is immutable; create a new TenantRestore',
} as const;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const tenantRestorePhases = ['Running', 'Succeeded', 'Failed'] as const;
export type TenantRestorePhase = (typeof tenantRestorePhases)[number];

export const TenantRestoreSpecSchema = z.strictObject({
  /** The Tenant whose database is restored into. */
  tenant: z.string().min(1).max(63).regex(dnsLabel),
  backup: z.strictObject({
    /** The backup's id, as the source Tenant's status.backups lists it. */
    id: z
      .string()
      .regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/)
      .max(32),
    /** The tenant that took it; default the target tenant. */
    fromTenant: z.string().min(1).max(63).regex(dnsLabel).optional(),
    /** That tenant's UID (in the backup's path); default the target's own UID when fromTenant is unset. */
    fromTenantUid: z.string().min(1).max(64).optional(),
  }),
  /**
   * Restoring another tenant's backup: KMS refuses it unless this is set. The reason is recorded in
   * a Warning Event on the TenantRestore and the target Tenant (and in the apiserver's audit log).
   */
  crossTenantOverride: z.strictObject({ reason: z.string().min(10).max(1024) }).optional(),
});
export type TenantRestoreSpec = z.infer<typeof TenantRestoreSpecSchema>;

export const TenantRestoreStatusSchema = z.object({
  phase: z.enum(tenantRestorePhases).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  startTime: z.iso.datetime({ offset: true }).optional(),
  completionTime: z.iso.datetime({ offset: true }).optional(),
  /** Rows per table after the restore, equal to the backup's manifest. */
  tables: z.array(z.object({ schema: z.string(), table: z.string(), rows: z.int().min(0) })).optional(),
});
export type TenantRestoreStatus = z.infer<typeof TenantRestoreStatusSchema>;

export const TenantRestoreSchema = z.object({
  apiVersion: z.literal(apiVersion),
  kind: z.literal(tenantRestoreKind),
  metadata: ObjectMetaSchema,
  spec: TenantRestoreSpecSchema,
  status: TenantRestoreStatusSchema.optional(),
});
export type TenantRestore = z.infer<typeof TenantRestoreSchema>;
