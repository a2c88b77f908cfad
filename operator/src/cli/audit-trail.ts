/**
 * `bulkhead audit-trail verify [--expect-head HASH] [-o text|json|yaml]` walks the onboarding
 * API's audit trail in id order and checks every hash link: exit 0 when intact (printing how many
 * records and the head hash, to keep elsewhere), exit 1 at the first broken record (its id and what
 * is wrong) or when the head HASH recorded earlier is no longer in the chain (its newest records
 * were deleted, or the chain was rewritten), exit 2 when BULKHEAD_AUDIT_TRAIL_URL is not usable,
 * exit 3 when the database cannot be reached. It always prints the
 * current head, so an operator can record it for the next run.
 * `bulkhead audit-trail init [--grant ROLE]` creates the table and its append-only triggers as
 * their owner, or upgrades an existing table to the current record format, and lets ROLE (the
 * API's role) insert and select; it creates the API's shared rate limit table beside it too, which
 * ROLE may read and write (api-server/rate-limit/table.ts). Both connect to BULKHEAD_AUDIT_TRAIL_URL;
 * verify needs only SELECT.
 * Their flags are in service-commands.ts.
 */
import { AuditTrailConfigSchema } from '../api-server/audit-trail/config.js';
import { grantAppend } from '../api-server/audit-trail/schema.js';
import { PgAuditTrail } from '../api-server/audit-trail/store.js';
import { ensureRateLimitTable, grantRateLimit } from '../api-server/rate-limit/table.js';
import { ensureCellTables, grantCells } from '../api-server/cells/schema.js';
import { isTrustworthy, verifyChain, type VerifyResult } from '../api-server/audit-trail/verify.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { render, type OutputFormat } from './output.js';
import type { CommandContext } from './program.js';
import type { AuditTrailInitRequest, AuditTrailVerifyRequest } from './service-commands.js';

function trailFrom(env: NodeJS.ProcessEnv): PgAuditTrail {
  const parsed = AuditTrailConfigSchema.safeParse({ url: env.BULKHEAD_AUDIT_TRAIL_URL });
  if (!parsed.success || !parsed.data.url) {
    throw new UsageError(
      `BULKHEAD_AUDIT_TRAIL_URL ${env.BULKHEAD_AUDIT_TRAIL_URL ? (parsed.error?.issues[0]?.message ?? 'is invalid') : 'is not set'}`,
    );
  }
  return new PgAuditTrail({ url: parsed.data.url, maxConnections: 1, allowExitOnIdle: true, statementTimeoutMillis: 60_000 });
}

function soundChainText(result: VerifyResult): string {
  const head = `verified ${result.verified} records; head is record ${result.headId} with hash ${result.headHash}`;
  const expected = result.expectedHead;
  if (!expected) return `Audit trail intact: ${head}\n`;
  if (expected.foundAt === null) {
    return (
      `Audit trail BROKEN: the expected head ${expected.hash} is not in the chain: the records up to it were deleted, ` +
      `or the chain before it was rewritten\n(the chain as it is now is consistent: ${head})\n`
    );
  }
  const following = result.headId - expected.foundAt;
  return `Audit trail intact: ${head}\nThe expected head is record ${expected.foundAt}; ${following} records follow it\n`;
}

function documentOf(result: VerifyResult): Record<string, unknown> {
  return {
    intact: isTrustworthy(result),
    verified: result.verified,
    headId: result.headId,
    headHash: result.headHash,
    ...(result.broken ? { broken: result.broken } : {}),
    ...(result.expectedHead ? { expectedHead: result.expectedHead } : {}),
  };
}

export function formatResult(result: VerifyResult, format: OutputFormat): string {
  return render(format, documentOf(result), () => resultText(result));
}

function resultText(result: VerifyResult): string {
  if (!result.broken) return soundChainText(result);
  return (
    `Audit trail BROKEN at record ${result.broken.id}: ${result.broken.kind}: ${result.broken.detail}\n` +
    `(${result.verified} records before it verified; last sound record ${result.headId} with hash ${result.headHash})\n`
  );
}

async function withTrail(env: NodeJS.ProcessEnv, work: (trail: PgAuditTrail) => Promise<number>): Promise<number> {
  const trail = trailFrom(env);
  try {
    return await work(trail);
  } finally {
    await trail.close();
  }
}

export function verifyAuditTrail({ expectHead, output }: AuditTrailVerifyRequest, { io }: CommandContext): Promise<number> {
  return withTrail(io.env, async (trail) => {
    const result = await verifyChain(trail.records(), { expectHead });
    io.stdout.write(formatResult(result, output));
    return isTrustworthy(result) ? ExitCode.ok : ExitCode.failed;
  });
}

const schemaText = {
  created: 'Created the audit trail table',
  upgraded: 'Upgraded the audit trail table to record format 2',
  exists: 'The audit trail table exists',
};

export function initAuditTrail({ grant, output }: AuditTrailInitRequest, { io }: CommandContext): Promise<number> {
  return withTrail(io.env, async (trail) => {
    const schema = await trail.ensureSchema();
    const rateLimit = await ensureRateLimitTable(trail.connectionPool);
    const cells = await ensureCellTables(trail.connectionPool);
    if (grant) {
      await grantAppend(trail.connectionPool, grant);
      await grantRateLimit(trail.connectionPool, grant);
      await grantCells(trail.connectionPool, grant);
    }
    const text = [
      schemaText[schema],
      rateLimit === 'created' ? 'Created the rate limit table' : 'The rate limit table exists',
      cells === 'created' ? 'Created the cell registry tables' : 'The cell registry tables exist',
      ...(grant
        ? [
            `Granted SELECT, INSERT on the audit trail to ${grant}`,
            `Granted SELECT, INSERT, UPDATE, DELETE on the rate limit table to ${grant}`,
            `Granted SELECT, INSERT, UPDATE on the cells and SELECT, INSERT, UPDATE, DELETE on the placements to ${grant}`,
          ]
        : []),
    ]
      .map((line) => `${line}\n`)
      .join('');
    io.stdout.write(render(output, { schema, rateLimitTable: rateLimit, ...(grant ? { granted: grant } : {}) }, () => text));
    return ExitCode.ok;
  });
}
