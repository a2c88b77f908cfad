/**
 * The onboarding API's request and response shapes as zod schemas. Requests are strict objects
 * (an unknown field is refused, never passed through to the Tenant: no mass assignment) built from
 * the Tenant API's own field schemas, so the API and the CRD refuse the same things. The OpenAPI
 * document is generated from these schemas (openapi.ts).
 */
import { z } from 'zod';
import {
  deletionPolicies,
  maximumTenantNameLength,
  keyPromotionSteps,
  promotionSteps,
  TenantAppSchema,
  TenantDatabaseSchema,
  TenantEncryptionSchema,
  TenantNetworkSchema,
  tenantNameProblems,
  TenantSpecSchema,
} from '../api/index.js';

const specFields = TenantSpecSchema.shape;

export const TenantNameSchema = z
  .string()
  .max(253)
  .superRefine((name, context) => {
    for (const message of tenantNameProblems(name)) context.addIssue({ code: 'custom', message, input: name });
  })
  .meta({
    description: 'A DNS-1123 label of at most 40 characters, starting with a letter; reserved platform names are refused.',
    example: 'acme',
    // Documented for clients and fuzzers; the refinement above is what enforces it, with its messages.
    pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
    maxLength: maximumTenantNameLength,
  });

export const CreateTenantRequestSchema = z
  .strictObject({
    name: TenantNameSchema,
    displayName: specFields.displayName,
    // Examples name a real plan and region: generated requests (and readers) start from ones that exist.
    plan: specFields.plan.meta({ examples: ['standard'] }),
    region: specFields.region.meta({ examples: ['eu-central-1'] }),
    owners: specFields.owners,
    // Sales ops may set app.values (only the keys the plan allows); the rest is for platform-admin.
    app: TenantAppSchema.optional(),
    database: TenantDatabaseSchema.partial().optional(),
    encryption: TenantEncryptionSchema.partial().optional(),
    network: TenantNetworkSchema.optional(),
  })
  .meta({ id: 'CreateTenantRequest' });
export type CreateTenantRequest = z.infer<typeof CreateTenantRequestSchema>;

export const PatchTenantRequestSchema = z
  .strictObject({
    plan: specFields.plan.optional(),
    suspended: z.boolean().optional().meta({
      description:
        "true suspends the tenant: ingress from outside its namespace closed, its owners read-only, its database refusing logins (open sessions ended), its key disabled, its app scaled to zero; nothing is deleted. false resumes it as it was. The summary's suspension field says when either is in force.",
    }),
  })
  .refine((patch) => patch.plan !== undefined || patch.suspended !== undefined, {
    message: 'name at least one of plan or suspended',
  })
  .meta({ id: 'PatchTenantRequest' });
export type PatchTenantRequest = z.infer<typeof PatchTenantRequestSchema>;

export const ListTenantsQuerySchema = z.strictObject({
  plan: specFields.plan.optional(),
  region: specFields.region.optional(),
  ready: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(4096).optional(),
});
export type ListTenantsQuery = z.infer<typeof ListTenantsQuerySchema>;

export const DeleteTenantQuerySchema = z.strictObject({
  confirmDeletionPolicy: z.enum(deletionPolicies).meta({
    description: "Must equal the tenant's spec.database.deletionPolicy: the caller confirms what happens to the data.",
  }),
});

export const tenantStates = ['Ready', 'Provisioning', 'Failing', 'Suspended', 'Deleting'] as const;

export const TenantSuspensionSchema = z
  .object({
    suspended: z.boolean().meta({ description: 'True from the moment the operator acts on a suspension until it acts on the resume.' }),
    reason: z.enum(['Suspending', 'Suspended', 'Resuming', 'Resumed']).meta({
      description: 'Suspending or Resuming while some step has not got there yet (the message names them); then Suspended or Resumed.',
    }),
    since: z
      .string()
      .meta({ description: 'When `suspended` last changed: since when the tenant is suspended, or since when it was resumed.' }),
    message: z.string(),
  })
  .meta({ id: 'TenantSuspension' });

export const TenantTiersSchema = z
  .object({
    database: z.enum(['Dedicated', 'Shared']).nullable().meta({
      description:
        "Where the tenant's data is now: a database of its own (Dedicated) or a schema in the region's shared pool database (Shared); null before the operator first reported it. Follows the operator, not the plan: after a plan change it moves when the promotion cuts over.",
    }),
    key: z.enum(['Dedicated', 'Shared']).meta({
      description:
        "The encryption key: a KMS key of its own (Dedicated) or a data key under its region's pool key (Shared), as the operator last reported it; after a plan change it moves when the key promotion is done.",
    }),
    release: z.enum(['Dedicated', 'Shared']).nullable().meta({
      description:
        "What runs the product for the tenant: a release of its own in its namespace (Dedicated) or its region's shared release of its version (Shared); null before the operator first reported it. Follows the operator, not the plan.",
    }),
    promotion: z
      .object({
        step: z.enum(promotionSteps).meta({ description: 'The step the operator runs next (docs/tiers.md).' }),
        startedAt: z.string().nullable(),
        writesStoppedAt: z
          .string()
          .nullable()
          .meta({ description: "When the tenant's writes in the pool stopped: its write outage began." }),
      })
      .nullable()
      .meta({ description: 'A promotion from the shared pool to a database of its own under way; null when none is.' }),
    keyPromotion: z
      .object({
        step: z.enum(keyPromotionSteps).meta({ description: 'The step the operator runs next (docs/tiers.md).' }),
        startedAt: z.string().nullable(),
      })
      .nullable()
      .meta({ description: "A promotion from the region's pool key to a key of its own under way; null when none is." }),
  })
  .meta({ id: 'TenantTiers' });
export type TenantTiers = z.infer<typeof TenantTiersSchema>;

export const TenantSummarySchema = z
  .object({
    name: z.string(),
    displayName: z.string(),
    plan: z.string(),
    region: z.string(),
    suspended: z.boolean(),
    deletionPolicy: z.enum(deletionPolicies),
    ready: z.boolean().meta({ description: 'True when every step is done for the current spec.' }),
    state: z.enum(tenantStates),
    pendingStep: z.string().nullable().meta({ description: 'The first step not yet done (a condition type), or null.' }),
    reason: z.string().meta({ description: 'A CamelCase reason from the Ready condition, e.g. DatabaseUnavailable.' }),
    message: z.string(),
    suspension: TenantSuspensionSchema.nullable().meta({ description: 'The Suspended condition; null for a tenant never suspended.' }),
    tiers: TenantTiersSchema,
    createdAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    links: z.object({ self: z.string() }),
  })
  .meta({ id: 'TenantSummary' });
export type TenantSummary = z.infer<typeof TenantSummarySchema>;

export const TenantListSchema = z
  .object({
    items: z.array(TenantSummarySchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as ?cursor= for the next page; null on the last page.' }),
  })
  .meta({ id: 'TenantList' });

export const PlanSummarySchema = z
  .object({
    name: z.string(),
    displayName: z.string().nullable(),
    appVersion: z.string(),
    quota: z.object({
      cpu: z.union([z.int(), z.string()]),
      memory: z.union([z.int(), z.string()]),
      storage: z.union([z.int(), z.string()]),
    }),
    allowedValueKeys: z.array(z.string()),
  })
  .meta({ id: 'PlanSummary' });

export const PlanListSchema = z.object({ items: z.array(PlanSummarySchema) }).meta({ id: 'PlanList' });

export const HealthSchema = z.object({ status: z.enum(['ok', 'unavailable']) }).meta({ id: 'Health' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), rule: z.string(), message: z.string().optional() })),
  })
  .meta({ id: 'Problem' });
