/**
 * The shapes of the backup and restore routes: a tenant's backup list as its status holds it, a
 * restore request, and a restore's progress. Requests are strict objects like the tenant routes'
 * (schemas.ts); the OpenAPI document is generated from these too (openapi.ts).
 */
import { z } from 'zod';
import { TenantRestoreSpecSchema, tenantRestorePhases } from '../api/tenant-restore.js';

const restoreSpec = TenantRestoreSpecSchema.shape;

export const backupKinds = ['Scheduled', 'Requested', 'Deletion'] as const;

export const BackupSummarySchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    size: z.int().min(0).meta({ description: 'Bytes of the encrypted archive in the object store.' }),
    kind: z
      .enum(backupKinds)
      .nullable()
      .meta({ description: "Why it was taken: the plan's schedule, a request, or the tenant's deletion (null: not recorded)." }),
  })
  .meta({ id: 'BackupSummary' });
export type BackupSummary = z.infer<typeof BackupSummarySchema>;

export const BackupListSchema = z
  .object({
    items: z.array(BackupSummarySchema).meta({ description: 'Newest first: the latest backups the tenant status lists.' }),
    lastAttemptAt: z.string().nullable().meta({ description: 'When the operator last tried to back the tenant up; null if never.' }),
    nextCursor: z.string().nullable().meta({ description: 'Pass as ?cursor= for the next page; null on the last page.' }),
  })
  .meta({ id: 'BackupList' });

export const ListBackupsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  cursor: z.string().max(4096).optional(),
});

export const CreateRestoreRequestSchema = z
  .strictObject({
    backupId: restoreSpec.backup.shape.id.meta({
      description: "The backup to restore: an id GET /v1/tenants/{name}/backups lists (of fromTenant's list, when set).",
      examples: ['20261206T221500Z-0a1b2c'],
    }),
    fromTenant: restoreSpec.backup.shape.fromTenant.meta({
      description:
        "Another tenant whose backup to restore into this one (platform-admin only; needs crossTenantOverride). Default: this tenant's own.",
    }),
    crossTenantOverride: restoreSpec.crossTenantOverride.meta({
      description:
        "Why another tenant's backup may be opened under this tenant's restore (platform-admin only). Recorded in the audit trail and in Warning Events.",
    }),
  })
  .meta({ id: 'CreateRestoreRequest' });
export type CreateRestoreRequest = z.infer<typeof CreateRestoreRequestSchema>;

export const restorePhases = ['Pending', ...tenantRestorePhases] as const;

export const RestoreSummarySchema = z
  .object({
    id: z.string().meta({ description: 'The TenantRestore created for the request.' }),
    tenant: z.string(),
    backupId: z.string(),
    fromTenant: z.string(),
    crossTenantOverride: z.object({ reason: z.string() }).nullable(),
    phase: z.enum(restorePhases).meta({ description: 'Pending until the operator starts it; Succeeded and Failed are final.' }),
    reason: z.string().nullable().meta({ description: 'A CamelCase reason once it ended, e.g. Restored, RestoreRefused, TenantNotFound.' }),
    message: z.string().nullable(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    tables: z
      .array(z.object({ schema: z.string(), table: z.string(), rows: z.int().min(0) }))
      .meta({ description: 'Rows per table after a successful restore, equal to the counts the backup recorded.' }),
    createdBy: z.string().nullable(),
    links: z.object({ self: z.string(), tenant: z.string() }),
  })
  .meta({ id: 'RestoreSummary' });
export type RestoreSummary = z.infer<typeof RestoreSummarySchema>;
