/**
 * The audit report document: what `bulkhead audit` writes, signs and an auditor verifies. The zod
 * schema is the single description of the file's shape, so `bulkhead audit verify` can refuse a
 * file that is not a report before it trusts anything in it.
 *
 * Objects are strict: a field the format does not know is a schema mismatch, not something to
 * ignore, because an auditor must read exactly what was signed.
 */
import { z } from 'zod';
import type { AuditCheck, InputObject, JsonValue, ReachabilityMatrix } from '../model.js';
import type { ProbedMatrix } from '../wire/model.js';
import { keyRotationSchema } from './rotation.js';

export const reportFormat = 'bulkhead.dev/audit-report/v1';

export const checkCategories = ['network', 'access', 'guardrails', 'database', 'key', 'inventory'] as const;

const nonEmpty = z.string().min(1);
const timestamp = z.iso.datetime({ offset: false, precision: 3 });
const sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 lowercase hex digits>');

const jsonValue: z.ZodType<JsonValue> = z.json();

export const auditCheckSchema = z.strictObject({
  id: nonEmpty,
  category: z.enum(checkCategories),
  tenant: nonEmpty.optional(),
  title: nonEmpty,
  result: z.enum(['pass', 'fail', 'error']),
  reason: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'expected a CamelCase reason'),
  message: z.string(),
  evidence: jsonValue,
}) satisfies z.ZodType<AuditCheck>;

export const inputObjectSchema = z.strictObject({
  apiVersion: nonEmpty,
  kind: nonEmpty,
  namespace: nonEmpty.optional(),
  name: nonEmpty,
  uid: nonEmpty,
  resourceVersion: nonEmpty,
}) satisfies z.ZodType<InputObject>;

export const matrixSchema = z.strictObject({
  namespaces: z.array(nonEmpty),
  probes: z.array(nonEmpty),
  cells: z.array(z.strictObject({ from: nonEmpty, to: nonEmpty, allowed: z.array(nonEmpty) })),
  /**
   * Present when the matrix is sparse (docs/decisions/0056): `cells` lists only the pairs where
   * something is allowed, and this many ordered pairs of `namespaces`, each allowing nothing, are
   * left out. Absent in reports before it, whose `cells` list every ordered pair.
   */
  emptyCells: z.number().int().min(0).optional(),
}) satisfies z.ZodType<ReachabilityMatrix>;

/** The probes on the wire, per ordered pair of probed namespaces: predicted, connected, unanswered ports. */
export const probedMatrixSchema = z.strictObject({
  startedAt: timestamp,
  finishedAt: timestamp,
  namespaces: z.array(nonEmpty),
  ports: z.array(nonEmpty),
  cells: z.array(
    z.strictObject({
      from: nonEmpty,
      to: nonEmpty,
      predicted: z.array(nonEmpty),
      observed: z.array(nonEmpty),
      unknown: z.array(nonEmpty),
    }),
  ),
}) satisfies z.ZodType<ProbedMatrix>;

const resultCounts = z.strictObject({
  pass: z.number().int().min(0),
  fail: z.number().int().min(0),
  error: z.number().int().min(0),
});

/** How many of each kind each source holds; null when the source could not be read. */
const countsSchema = z.strictObject({
  tenants: z.number().int().min(0).nullable(),
  namespaces: z.number().int().min(0).nullable(),
  databases: z.number().int().min(0).nullable(),
  keyAliases: z.number().int().min(0).nullable(),
  /** The inventory findings of `checks` again, so the counts read on their own. */
  mismatches: z.array(auditCheckSchema),
});

const summarySchema = z.strictObject({
  result: z.enum(['pass', 'fail']),
  checks: z.number().int().min(0),
  findings: z.number().int().min(0),
  byCategory: z.strictObject(
    Object.fromEntries(checkCategories.map((c) => [c, resultCounts])) as Record<(typeof checkCategories)[number], typeof resultCounts>,
  ),
  /** One row per tenant in scope, sorted by name; fleet-wide checks are not in it. */
  byTenant: z.array(resultCounts.extend({ tenant: nonEmpty })),
});

/** Per control of the catalogue (report/controls.ts): the checks that give evidence for it, their results and the tenants they covered. */
export const controlsCoveredSchema = z.strictObject({
  controls: z.array(
    z.strictObject({
      framework: z.enum(['SOC 2', 'ISO/IEC 27001:2022']),
      id: nonEmpty,
      title: nonEmpty,
      /** Why the catalogue lists it without claiming any check as evidence for it. */
      notClaimed: nonEmpty.optional(),
      /** satisfied: every check passed; not-satisfied: some failed or erred; not-covered: no check of this report gives evidence for it. */
      status: z.enum(['satisfied', 'not-satisfied', 'not-covered']),
      ...resultCounts.shape,
      checks: z.array(resultCounts.extend({ id: nonEmpty })),
      tenants: z.array(nonEmpty),
    }),
  ),
  /** Check ids of this report that the mapping does not name (a check newer than the mapping); empty when all are mapped. */
  unmapped: z.array(nonEmpty),
});

export const signatureSchema = z.strictObject({
  algorithm: z.literal('Ed25519'),
  /** SHA-256 of the signer's public key in SPKI DER form, lowercase hex. */
  keyId: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  /** The signer's SPKI DER public key, base64url. Informative only: it is trusted only when its keyId is. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url'),
  /** Ed25519 over the canonical (RFC 8785) bytes of the document without `signature`, base64url. */
  value: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected 64 bytes in base64url'),
});

export const unsignedReportSchema = z.strictObject({
  format: z.literal(reportFormat),
  generatedAt: timestamp,
  tool: z.strictObject({ name: z.literal('bulkhead'), version: nonEmpty }),
  cluster: z.strictObject({ server: z.url(), kubeSystemUid: nonEmpty }),
  scope: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('all') }),
    z.strictObject({ kind: z.literal('tenant'), tenant: nonEmpty }),
  ]),
  /** The network analyzer's assumptions, as it states them. */
  assumptions: z.record(z.string(), jsonValue),
  /** Sentences stating what this audit cannot prove. */
  limitations: z.array(nonEmpty).min(1),
  inputs: z.array(inputObjectSchema),
  checks: z.array(auditCheckSchema),
  counts: countsSchema,
  /** Null when the network part could not compute it (its checks then say why). */
  matrix: matrixSchema.nullable(),
  /** Present only when the audit probed on the wire (`bulkhead audit --probe`): what was measured beside what was predicted. */
  probed: probedMatrixSchema.optional(),
  summary: summarySchema,
  /** Absent only in reports written before the section existed; part of the signed body. */
  controls: controlsCoveredSchema.optional(),
  /** The digest of the report written before this one in the same store; null for the first. */
  previous: z.strictObject({ digest: sha256Digest }).nullable(),
  /** Only in the first report a new key signs: the old key's hand-over to it (rotation.ts). */
  rotation: keyRotationSchema.optional(),
});

export const signedReportSchema = unsignedReportSchema.extend({ signature: signatureSchema });

export type UnsignedReport = z.infer<typeof unsignedReportSchema>;
export type SignedReport = z.infer<typeof signedReportSchema>;
export type ReportSignature = z.infer<typeof signatureSchema>;
export type ReportSummary = z.infer<typeof summarySchema>;
export type ReportCounts = z.infer<typeof countsSchema>;
export type ReportScope = UnsignedReport['scope'];
export type ResultCounts = z.infer<typeof resultCounts>;
export type ControlsCovered = z.infer<typeof controlsCoveredSchema>;
