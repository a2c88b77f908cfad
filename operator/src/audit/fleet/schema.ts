/**
 * The fleet audit report (docs/decisions/0047): what the onboarding API serves at
 * GET /v1/fleet/audit-report, one entry per registered cell. A cell that published a report
 * carries it as its signed file's bytes (base64, so not one byte is re-encoded) with its digest,
 * its signer's keyId and a summary read from it; a cell that could not be read is listed with the
 * reason, never left out. The document itself is not signed: each cell's signature is the
 * evidence, and the auditor's own list of cells and keys is what makes a dropped cell visible
 * (verify.ts).
 */
import { z } from 'zod';

export const fleetReportFormat = 'bulkhead.dev/fleet-audit-report/v1';

/**
 * reported: the cell's latest report, newer than the staleness bound; stale: its latest report, older;
 * missing: the cell answered but has published none; unreachable: the cell did not answer;
 * unreadable: it answered, but with no report this API could read (refused, or not a report).
 */
export const fleetCellStatuses = ['reported', 'stale', 'missing', 'unreachable', 'unreadable'] as const;
export type FleetCellStatus = (typeof fleetCellStatuses)[number];

const timestamp = z.iso.datetime({ offset: false, precision: 3 });
const count = z.int().min(0);

export const FleetCellReportSchema = z
  .strictObject({
    signedReport: z
      .string()
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')
      .meta({ description: "The cell's signed report file, byte for byte, in base64: verify it with `bulkhead audit verify`." }),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 lowercase hex digits>'),
    keyId: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
    generatedAt: timestamp,
    result: z.enum(['pass', 'fail']),
    tenants: count.meta({ description: 'Tenants the report covers.' }),
    passed: count.meta({ description: 'Tenants none of whose checks failed or erred.' }),
    failed: count.meta({ description: 'Tenants with a failed or erred check.' }),
    findings: count,
  })
  .meta({ id: 'FleetCellReport' });

export const FleetCellSchema = z
  .strictObject({
    name: z.string().min(1),
    regions: z.array(z.string()),
    status: z.enum(fleetCellStatuses),
    /** Why a cell has no report here (missing, unreachable, unreadable). */
    detail: z.string().optional(),
    report: FleetCellReportSchema.optional(),
  })
  .meta({ id: 'FleetCell' });

export const FleetSummarySchema = z.strictObject({
  cells: count,
  ...(Object.fromEntries(fleetCellStatuses.map((status) => [status, count])) as Record<FleetCellStatus, typeof count>),
  tenants: count.meta({ description: "Tenants in the reports carried (reported and stale cells')." }),
  /** fail: a carried report failed; incomplete: none failed but a cell is not reported (stale, missing, unreachable, unreadable). */
  result: z.enum(['pass', 'fail', 'incomplete']),
});

export const FleetAuditReportSchema = z
  .strictObject({
    format: z.literal(fleetReportFormat),
    generatedAt: timestamp,
    /** A report older than this, at generatedAt, is stale (the API's cells.reportStaleAfterSeconds). */
    staleAfterSeconds: z.int().min(1),
    summary: FleetSummarySchema,
    cells: z.array(FleetCellSchema),
  })
  .meta({ id: 'FleetAuditReport' });

export type FleetCellReport = z.infer<typeof FleetCellReportSchema>;
export type FleetCell = z.infer<typeof FleetCellSchema>;
export type FleetSummary = z.infer<typeof FleetSummarySchema>;
export type FleetAuditReport = z.infer<typeof FleetAuditReportSchema>;
