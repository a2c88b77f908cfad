/**
 * The Rollout API as zod schemas: the same fields, limits and defaults as
 * crds/bulkhead.dev_rollouts.yaml (rollout.test.ts fails when the two drift), and the keys the
 * rollout controller and the tenant controller share on Tenants. A Rollout moves the selected
 * tenants to a chart version in waves; see docs/decisions/0003-fleet-rollouts.md.
 */
import { z } from 'zod';
import { ConditionSchema } from './conditions.js';
import { group } from './labels.js';
import { ObjectMetaSchema, apiVersion, dnsSubdomainPattern, semanticVersionPattern } from './tenant.js';

export const rolloutKind = 'Rollout';
export const rolloutListKind = 'RolloutList';
export const rolloutPlural = 'rollouts';

/**
 * On a Tenant: the chart version the rollout controller asks the tenant controller to deploy. It
 * wins over the plan's spec.app.version and loses to the tenant's own spec.app.version (a pin).
 * An annotation, not a spec field, so that the platform engineer's manifest stays theirs.
 */
export const appVersionAnnotation = `${group}/app-version`;

/**
 * On a Tenant: the version it was deploying before the Rollout named in rolloutAnnotation first
 * moved it (its app-version annotation, else its plan's version), so that a rollback can move it back.
 */
export const previousAppVersionAnnotation = `${group}/previous-app-version`;

/** On a Tenant: the Rollout that last moved it; a rollback moves back only the tenants it moved. */
export const rolloutAnnotation = `${group}/rollout`;

/** On a Rollout: any new value resumes it after an automatic pause (`kubectl annotate ... --overwrite`). */
export const resumeAnnotation = `${group}/resume`;

/** On a Tenant: `true` puts it in the canary ring, which upgrades before every plan's ring. */
export const canaryLabel = `${group}/canary`;

/** The ring of canary tenants: below the lowest ring a plan can name (0). */
export const canaryRing = -1;

/** The ring of a tenant whose plan sets none (the CRD default) or does not exist: last. */
export const lastRing = 9;

/** The field manager of every write the rollout controller makes, apart from the tenant controller's. */
export const rolloutFieldManager = 'bulkhead-rollout';

export const rolloutPhases = ['Progressing', 'Paused', 'Completed', 'RolledBack'] as const;
export type RolloutPhase = (typeof rolloutPhases)[number];

/** The reasons a Rollout reports in status.reason and its conditions. */
export const RolloutReason = {
  Progressing: 'Progressing',
  AllTenantsUpdated: 'AllTenantsUpdated',
  TenantUnhealthy: 'TenantUnhealthy',
  PausedBySpec: 'PausedBySpec',
  AnotherRolloutActive: 'AnotherRolloutActive',
  RollbackRequested: 'RollbackRequested',
} as const;
export type RolloutReason = (typeof RolloutReason)[keyof typeof RolloutReason];

/** The condition types of a Rollout, for `kubectl wait --for=condition=Completed`. */
export const RolloutConditionType = {
  Completed: 'Completed',
  Paused: 'Paused',
} as const;

export const RolloutSelectorSchema = z.strictObject({
  plans: z.array(z.string().max(63).regex(dnsSubdomainPattern)).min(1).max(100).optional(),
});

export const RolloutSpecSchema = z.strictObject({
  version: z.string().max(64).regex(semanticVersionPattern),
  selector: RolloutSelectorSchema.optional(),
  maxConcurrent: z.int().min(1).max(100).default(5),
  healthDeadlineSeconds: z.int().min(10).max(3600).default(300),
  paused: z.boolean().default(false),
  rollback: z.boolean().default(false),
});
export type RolloutSpec = z.infer<typeof RolloutSpecSchema>;
export type RolloutSpecInput = z.input<typeof RolloutSpecSchema>;

const TimeSchema = z.iso.datetime({ offset: true });

/** A tenant the rollout moved to `version` at `since` and that is not yet healthy on it. */
export const UpgradingTenantSchema = z.object({
  tenant: z.string(),
  version: z.string(),
  since: TimeSchema,
});
export type UpgradingTenant = z.infer<typeof UpgradingTenantSchema>;

/** A tenant that was not healthy on `version` by its deadline; it paused the rollout. */
export const FailedTenantSchema = z.object({
  tenant: z.string(),
  version: z.string(),
  reason: z.string(),
  message: z.string(),
});
export type FailedTenant = z.infer<typeof FailedTenantSchema>;

export const VersionCountSchema = z.object({ version: z.string(), count: z.int() });
export type VersionCount = z.infer<typeof VersionCountSchema>;

export const WaveSchema = z.object({ ring: z.int(), total: z.int(), updated: z.int() });
export type Wave = z.infer<typeof WaveSchema>;

export const RolloutStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  phase: z.enum(rolloutPhases).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  total: z.int().optional(),
  updated: z.int().optional(),
  pinned: z.int().optional(),
  currentRing: z.int().optional(),
  upgrading: z.array(UpgradingTenantSchema).optional(),
  failed: z.array(FailedTenantSchema).optional(),
  versions: z.array(VersionCountSchema).optional(),
  waves: z.array(WaveSchema).optional(),
  resumeToken: z.string().optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

export const RolloutSchema = z.object({
  apiVersion: z.literal(apiVersion),
  kind: z.literal(rolloutKind),
  metadata: ObjectMetaSchema,
  spec: RolloutSpecSchema,
  status: RolloutStatusSchema.optional(),
});
/** A Rollout as read back: defaults applied. */
export type Rollout = z.infer<typeof RolloutSchema>;
/** A Rollout as written in a manifest: defaulted fields may be left out. */
export type RolloutInput = z.input<typeof RolloutSchema>;
