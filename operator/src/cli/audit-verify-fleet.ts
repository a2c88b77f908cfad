/**
 * `bulkhead audit verify --fleet FILE --cell NAME=KEY...`: is every cell the auditor names in this
 * fleet report, each either with its own report unchanged since that cell's key signed it, or
 * marked with why it has none (audit/fleet/verify.ts)? KEY is a public key file (PEM) or a keyId;
 * a cell may be given several (a rotation). Exit 0 when valid, listing the marked cells as giving
 * no evidence; 1 when anything is changed, swapped, dropped or unknown.
 */
import { readFileSync } from 'node:fs';
import type { TrustedKey } from '../audit/report/index.js';
import { verifyFleetReport, type FleetTrust, type VerifiedCell } from '../audit/fleet/verify.js';
import type { AuditVerifyRequest } from './audit-commands.js';
import { publicKeyFile, report, type Verdict } from './audit-verify.js';
import { UsageError } from './exit-codes.js';
import type { CommandContext } from './program.js';

/** --cell NAME=PEM or NAME=KEYID, each parsed and each key file read. */
export function fleetTrustFrom(cellKeys: readonly string[]): FleetTrust {
  const trust = new Map<string, TrustedKey[]>();
  for (const value of cellKeys) {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(.+)$/.exec(value);
    if (!match?.[1] || !match[3])
      throw new UsageError(`--cell ${value}: expected NAME=PEM-FILE or NAME=KEYID (a cell's name is a DNS label)`);
    const key = /^[0-9a-fA-F]{64}$/.test(match[3]) ? { keyId: match[3].toLowerCase() } : publicKeyFile(match[3]);
    trust.set(match[1], [...(trust.get(match[1]) ?? []), key]);
  }
  return trust;
}

function cellLine(cell: VerifiedCell): string {
  if (!cell.verified) return `  ${cell.name}: ${cell.status}, no evidence from this cell: ${cell.detail}\n`;
  const { keyId, generatedAt, tenants, passed, failed, result, digest } = cell.report;
  return `  ${cell.name}: ${cell.status}, signature valid: keyId ${keyId}, generated ${generatedAt}, ${result}: ${tenants} tenants (${passed} passed, ${failed} failed) (${digest})\n`;
}

function verdictOf(file: string, bytes: Buffer, trust: FleetTrust): Verdict {
  const verification = verifyFleetReport(bytes, trust);
  if (!verification.ok)
    return { valid: false, file, reason: verification.reason, text: `fleet report invalid: ${file}: ${verification.reason}\n` };
  const { summary, generatedAt } = verification.report;
  const verified = verification.cells.filter((cell) => cell.verified).length;
  const heading = verification.complete
    ? `fleet report valid: every one of ${summary.cells} cells reported, fleet result ${summary.result}, generated ${generatedAt}\n`
    : `fleet report valid but incomplete: ${verified} of ${summary.cells} cells carry a verified report, fleet result ${summary.result}, generated ${generatedAt}\n`;
  const cells = verification.cells.map((cell) =>
    cell.verified ? { name: cell.name, status: cell.status, ...cell.report, signedReport: undefined } : cell,
  );
  return {
    valid: true,
    file,
    complete: verification.complete,
    summary,
    cells: JSON.parse(JSON.stringify(cells)) as unknown,
    text: heading + verification.cells.map(cellLine).join(''),
  };
}

export function runFleetVerify(file: string, cellKeys: readonly string[], request: AuditVerifyRequest, io: CommandContext['io']): number {
  const trust = fleetTrustFrom(cellKeys);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const reason = `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    return report({ valid: false, file, reason, text: `fleet report invalid: ${file}: ${reason}\n` }, request, io);
  }
  return report(verdictOf(file, bytes, trust), request, io);
}
