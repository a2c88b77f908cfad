/**
 * The period report: what `bulkhead audit period` writes and signs. It rests on the chained reports
 * of a window (named by digest) and says what held over the window: the gaps in time and in the
 * chain, every finding with its first and last sighting and time to remediate, and the tenants
 * present. Strict like the report schema: an auditor reads exactly what was signed.
 */
import { z } from 'zod';
import { signatureSchema } from '../report/index.js';

export const periodReportFormat = 'bulkhead.dev/audit-period/v1';

const nonEmpty = z.string().min(1);
const timestamp = z.iso.datetime({ offset: false, precision: 3 });
const sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 lowercase hex digits>');
const keyId = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
const count = z.number().int().min(0);

/** What is wrong with the evidence itself, each naming the report (or the stretch of time) it is about. */
export const chainFindingKinds = ['gap', 'missing', 'signature', 'reordered', 'unreadable', 'restarted', 'start'] as const;

export const chainFindingSchema = z.strictObject({
  kind: z.enum(chainFindingKinds),
  /** The report file the finding is about (for a gap: the first report after it, if any). */
  report: nonEmpty.optional(),
  digest: sha256Digest.optional(),
  /** For a gap: the stretch without a report. */
  from: timestamp.optional(),
  to: timestamp.optional(),
  message: nonEmpty,
});

/** One episode of one check failing: from its first sighting to the first report that no longer shows it. */
export const periodFindingSchema = z.strictObject({
  check: nonEmpty,
  tenant: nonEmpty.optional(),
  category: nonEmpty,
  reasons: z.array(nonEmpty).min(1),
  firstSeen: timestamp,
  lastSeen: timestamp,
  sightings: count.min(1),
  /** Already failing in the window's first report: it may be older than the window. */
  openAtStart: z.boolean(),
  /** The first report after lastSeen whose scope covers the check and no longer shows it; null: still open at the window's end. */
  fixedAt: timestamp.nullable(),
  /** fixedAt - firstSeen; the fix itself happened between lastSeen and fixedAt. */
  secondsToRemediate: count.nullable(),
});

export const periodTenantSchema = z.strictObject({
  tenant: nonEmpty,
  firstSeen: timestamp,
  lastSeen: timestamp,
  /** Not in the window's first fleet report, but in a later one. */
  onboarded: z.boolean(),
  /** Not in the window's last fleet report. */
  offboarded: z.boolean(),
});

export const periodRestingReportSchema = z.strictObject({
  file: nonEmpty,
  digest: sha256Digest,
  generatedAt: timestamp,
  keyId,
  /** `all`, or the one tenant a tenant-scoped report covers. */
  scope: nonEmpty,
  result: z.enum(['pass', 'fail']),
  findings: count,
});

const periodSummarySchema = z.strictObject({
  result: z.enum(['pass', 'fail']),
  reports: count,
  chainFindings: count,
  findings: count,
  open: count,
  tenants: count,
});

export const unsignedPeriodReportSchema = z.strictObject({
  format: z.literal(periodReportFormat),
  generatedAt: timestamp,
  tool: z.strictObject({ name: z.literal('bulkhead'), version: nonEmpty }),
  period: z.strictObject({ from: timestamp, to: timestamp }),
  /** The audit interval, and the longest stretch without a report that is not a gap. */
  interval: z.strictObject({ seconds: z.number().int().min(1), source: z.enum(['flag', 'inferred']), gapSeconds: z.number().int().min(1) }),
  /** The keys given to the verifier, and the rotations recorded in the chain it followed. */
  trust: z.strictObject({
    given: z.array(keyId),
    rotations: z.array(z.strictObject({ from: keyId, to: keyId, at: timestamp, report: nonEmpty })),
  }),
  /** Every report of the window that verified, oldest first: what this period report rests on. */
  reports: z.array(periodRestingReportSchema),
  chainFindings: z.array(chainFindingSchema),
  findings: z.array(periodFindingSchema),
  tenants: z.array(periodTenantSchema),
  summary: periodSummarySchema,
});

export const signedPeriodReportSchema = unsignedPeriodReportSchema.extend({ signature: signatureSchema });

export type UnsignedPeriodReport = z.infer<typeof unsignedPeriodReportSchema>;
export type SignedPeriodReport = z.infer<typeof signedPeriodReportSchema>;
export type ChainFinding = z.infer<typeof chainFindingSchema>;
export type PeriodFinding = z.infer<typeof periodFindingSchema>;
export type PeriodTenant = z.infer<typeof periodTenantSchema>;
export type PeriodRestingReport = z.infer<typeof periodRestingReportSchema>;
export type PeriodSummary = z.infer<typeof periodSummarySchema>;
