/**
 * `bulkhead audit-trail verify [--expect-head HASH] [--format text|json]` walks the onboarding
 * API's audit trail in id order and checks every hash link: exit 0 when intact (printing how many
 * records and the head hash, to keep elsewhere), exit 1 at the first broken record (its id and what
 * is wrong) or when the head HASH recorded earlier is no longer in the chain (its newest records
 * were deleted, or the chain was rewritten), exit 2 when it cannot run. It always prints the
 * current head, so an operator can record it for the next run.
 * `bulkhead audit-trail init [--grant ROLE]` creates the table and its append-only triggers as
 * their owner, or upgrades an existing table to the current record format, and lets ROLE (the
 * API's role) insert and select; it creates the API's shared rate limit table beside it too, which
 * ROLE may read and write (api-server/rate-limit/table.ts). Both connect to BULKHEAD_AUDIT_TRAIL_URL; verify needs only SELECT.
 */
import { parseArgs } from 'node:util';
import { AuditTrailConfigSchema } from '../api-server/audit-trail/config.js';
import { grantAppend } from '../api-server/audit-trail/schema.js';
import { PgAuditTrail } from '../api-server/audit-trail/store.js';
import { ensureRateLimitTable, grantRateLimit } from '../api-server/rate-limit/table.js';
import { isTrustworthy, verifyChain, type VerifyResult } from '../api-server/audit-trail/verify.js';

export const auditTrailUsage = `usage: bulkhead audit-trail verify [--expect-head HASH] [--format text|json]
       bulkhead audit-trail init [--grant ROLE]
(connects to BULKHEAD_AUDIT_TRAIL_URL)
`;

interface Output { write(text: string): unknown }

function trailFrom(env: NodeJS.ProcessEnv): PgAuditTrail {
  const parsed = AuditTrailConfigSchema.safeParse({ url: env.BULKHEAD_AUDIT_TRAIL_URL });
  if (!parsed.success || !parsed.data.url) {
    throw new UsageError(`BULKHEAD_AUDIT_TRAIL_URL ${env.BULKHEAD_AUDIT_TRAIL_URL ? parsed.error?.issues[0]?.message ?? 'is invalid' : 'is not set'}`);
  }
  return new PgAuditTrail({ url: parsed.data.url, maxConnections: 1, allowExitOnIdle: true, statementTimeoutMillis: 60_000 });
}

class UsageError extends Error {}

function soundChainText(result: VerifyResult): string {
  const head = `verified ${result.verified} records; head is record ${result.headId} with hash ${result.headHash}`;
  const expected = result.expectedHead;
  if (!expected) return `Audit trail intact: ${head}\n`;
  if (expected.foundAt === null) {
    return `Audit trail BROKEN: the expected head ${expected.hash} is not in the chain: the records up to it were deleted, `
      + `or the chain before it was rewritten\n(the chain as it is now is consistent: ${head})\n`;
  }
  const following = result.headId - expected.foundAt;
  return `Audit trail intact: ${head}\nThe expected head is record ${expected.foundAt}; ${following} records follow it\n`;
}

export function formatResult(result: VerifyResult, format: 'text' | 'json'): string {
  if (format === 'json') {
    return `${JSON.stringify({ intact: isTrustworthy(result), verified: result.verified, headId: result.headId, headHash: result.headHash,
      ...(result.broken ? { broken: result.broken } : {}), ...(result.expectedHead ? { expectedHead: result.expectedHead } : {}) })}\n`;
  }
  if (!result.broken) return soundChainText(result);
  return `Audit trail BROKEN at record ${result.broken.id}: ${result.broken.kind}: ${result.broken.detail}\n`
    + `(${result.verified} records before it verified; last sound record ${result.headId} with hash ${result.headHash})\n`;
}

const headHashPattern = /^[0-9a-f]{64}$/;

async function verify(trail: PgAuditTrail, args: string[], stdout: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'text' }, 'expect-head': { type: 'string' } } });
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError('--format must be text or json');
  const expectHead = values['expect-head']?.trim().toLowerCase();
  if (expectHead !== undefined && !headHashPattern.test(expectHead)) {
    throw new UsageError('--expect-head must be a head hash as verify printed it: 64 hexadecimal digits');
  }
  const result = await verifyChain(trail.records(), { expectHead });
  stdout.write(formatResult(result, values.format));
  return isTrustworthy(result) ? 0 : 1;
}

async function init(trail: PgAuditTrail, args: string[], stdout: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { grant: { type: 'string' } } });
  const schema = await trail.ensureSchema();
  stdout.write({ created: 'Created the audit trail table\n', upgraded: 'Upgraded the audit trail table to record format 2\n',
    exists: 'The audit trail table exists\n' }[schema]);
  const rateLimit = await ensureRateLimitTable(trail.connectionPool);
  stdout.write(rateLimit === 'created' ? 'Created the rate limit table\n' : 'The rate limit table exists\n');
  if (values.grant) {
    await grantAppend(trail.connectionPool, values.grant);
    stdout.write(`Granted SELECT, INSERT on the audit trail to ${values.grant}\n`);
    await grantRateLimit(trail.connectionPool, values.grant);
    stdout.write(`Granted SELECT, INSERT, UPDATE, DELETE on the rate limit table to ${values.grant}\n`);
  }
  return 0;
}

export async function runAuditTrailCommand(args: string[], io: { stdout: Output; stderr: Output } = process, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = args[0] === 'verify' ? verify : args[0] === 'init' ? init : undefined;
  if (!command) {
    io.stderr.write(auditTrailUsage);
    return 2;
  }
  let trail: PgAuditTrail | undefined;
  try {
    trail = trailFrom(env);
    return await command(trail, args.slice(1), io.stdout);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`bulkhead audit-trail ${args[0]}: ${message}\n`);
    return 2;
  } finally {
    await trail?.close();
  }
}
