/**
 * `bulkhead audit export`: a signed report as OSCAL assessment-results JSON or as CSV. Given
 * trusted keys (`--public-key`, `--key-id`, each repeatable), the report is verified first exactly
 * as `audit verify` does (a key rotation it carries, signed by a trusted key, is followed), and a
 * report that fails is not exported; without one, it must still be a report in canonical form, and
 * standard error says its signature was not checked.
 *
 * Exit 0 when written, 1 when the report cannot be read, is not a report or fails verification,
 * 2 on bad usage (an unreadable key, an --out that cannot be written).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { toCsv } from '../audit/export/csv.js';
import { toOscal } from '../audit/export/oscal.js';
import { digestOf, parseReport, verifyTrusted, type SignedReport, type TrustedKey } from '../audit/report/index.js';
import type { AuditExportRequest } from './audit-export-command.js';
import { trustedKeysFrom } from './audit-verify.js';
import { errorMessage, ExitCode, UsageError } from './exit-codes.js';
import type { CommandContext } from './program.js';

export function runAuditExport(request: AuditExportRequest, { io }: CommandContext): number {
  const trusted = trustedKeysFrom(request);
  let bytes: Buffer;
  try {
    bytes = readFileSync(request.report);
  } catch (error) {
    io.stderr.write(`not exported: ${request.report}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
    return ExitCode.failed;
  }
  const read = readReport(bytes, trusted);
  if ('problem' in read) {
    io.stderr.write(`not exported: ${request.report}: ${read.problem}\n`);
    return ExitCode.failed;
  }
  const digest = digestOf(bytes);
  const text =
    request.format === 'csv' ? toCsv(read.report) : `${JSON.stringify(toOscal(read.report, digest, basename(request.report)), null, 2)}\n`;
  write(text, request, io);
  if (trusted.length === 0)
    io.stderr.write(`exported without checking the signature: give --public-key or --key-id to verify ${request.report} first\n`);
  return ExitCode.ok;
}

function readReport(bytes: Buffer, trusted: readonly TrustedKey[]): { report: SignedReport } | { problem: string } {
  if (trusted.length > 0) {
    const verification = verifyTrusted(bytes, trusted);
    return verification.ok ? { report: verification.report } : { problem: `signature invalid: ${verification.reason}` };
  }
  try {
    return { report: parseReport(bytes) };
  } catch (error) {
    return { problem: errorMessage(error) };
  }
}

function write(text: string, request: AuditExportRequest, io: CommandContext['io']): void {
  if (request.out === undefined) {
    io.stdout.write(text);
    return;
  }
  try {
    writeFileSync(request.out, text);
  } catch (error) {
    throw new UsageError(`--out ${request.out}: ${errorMessage(error)}`, { cause: error });
  }
  io.stderr.write(`wrote ${request.format === 'csv' ? 'CSV' : 'OSCAL assessment-results'} to ${request.out}\n`);
}
