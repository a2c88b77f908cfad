/**
 * `bulkhead audit verify FILE (--public-key PEM | --key-id HEX)... [--text] [--html OUT]`: is this
 * report unchanged since a trusted key signed it? Only then, `--text` prints its summary and
 * `--html` writes the page an auditor reads, so what they read is what was verified. `--chain DIR`
 * verifies every report in a directory and that each names its predecessor's digest; `--published
 * FILE` the report the operator published in ConfigMaps (one, or parts under a manifest), exported
 * as JSON; `--period FILE` a period report (`bulkhead audit period`). The keys must come from the
 * caller (any number): a report's embedded key is used only when it hashes to a `--key-id` given,
 * or when a key rotation recorded in the chain by a trusted key hands over to it (report/trust.ts).
 * Its flags are in audit-commands.ts; `-o json|yaml` prints the verdict as a document.
 *
 * Exit 0 when valid, 1 when not (with the reason), 2 on bad usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { reportFromExport, type PublishedConfigMap } from '../audit/publication.js';
import { formatPeriodText, renderPeriodHtml, verifyPeriodReport } from '../audit/period/index.js';
import {
  formatReportText,
  loadPublicKey,
  renderHtml,
  verifyChain,
  verifyTrusted,
  type SignedReport,
  type TrustedKey,
} from '../audit/report/index.js';
import type { AuditVerifyRequest } from './audit-commands.js';
import { runFleetVerify } from './audit-verify-fleet.js';
import { errorMessage, ExitCode, UsageError } from './exit-codes.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';

export type Verdict =
  ({ valid: true; text: string } & Record<string, unknown>) | ({ valid: false; text: string } & Record<string, unknown>);

export function runAuditVerify(request: AuditVerifyRequest, { io }: CommandContext): number {
  if (request.fleet !== undefined) return runFleetVerify(request.fleet, request.cellKeys ?? [], request, io);
  const trusted = trustedKeysFrom(request);
  if (request.chain !== undefined) return report(verifyDirectory(request.chain, trusted), request, io);
  if (request.period !== undefined) return verifyPeriod(request.period, trusted, request, io);
  const { verdict, signed } =
    request.published !== undefined
      ? verifyBytes(request.published, publishedBytes(request.published), trusted)
      : verifyBytes(request.file ?? '', fileBytes(request.file ?? ''), trusted);
  const code = report(verdict, request, io);
  return signed === undefined ? code : renderVerified(signed, request, io);
}

/** The verdict: valid on stdout, invalid on stderr; as a document (both) on stdout with -o json|yaml. */
export function report(verdict: Verdict, request: AuditVerifyRequest, io: CommandContext['io']): number {
  const { text, ...document } = verdict;
  if (request.output !== 'text') io.stdout.write(render(request.output, document, () => text));
  if (verdict.valid && request.output === 'text') io.stdout.write(text);
  if (!verdict.valid) io.stderr.write(text);
  return verdict.valid ? ExitCode.ok : ExitCode.failed;
}

/** Text and HTML only of a verified report. */
function renderVerified(signed: SignedReport, request: AuditVerifyRequest, io: CommandContext['io']): number {
  if (request.text) io.stdout.write(`\n${formatReportText(signed)}`);
  if (request.html !== undefined) writeHtml(request.html, renderHtml(signed));
  return ExitCode.ok;
}

type Read = { bytes: Buffer } | { problem: string };

function fileBytes(file: string): Read {
  try {
    return { bytes: readFileSync(file) };
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
}

/** The report put back together from exported ConfigMaps (a List or one object). */
function publishedBytes(file: string): Read {
  const read = fileBytes(file);
  if (!('bytes' in read)) return read;
  try {
    const parsed = JSON.parse(read.bytes.toString('utf8')) as { items?: PublishedConfigMap[] } & PublishedConfigMap;
    return { bytes: reportFromExport(Array.isArray(parsed.items) ? parsed.items : [parsed]) };
  } catch (error) {
    return { problem: `not a published report: ${errorMessage(error)}` };
  }
}

function verifyBytes(file: string, read: Read, trusted: readonly TrustedKey[]): { verdict: Verdict; signed?: SignedReport } {
  if (!('bytes' in read))
    return { verdict: { valid: false, file, reason: read.problem, text: `signature invalid: ${file}: ${read.problem}\n` } };
  const verification = verifyTrusted(read.bytes, trusted);
  if (!verification.ok)
    return { verdict: { valid: false, file, reason: verification.reason, text: `signature invalid: ${file}: ${verification.reason}\n` } };
  const { report: signed, keyId, digest } = verification;
  const { checks, findings } = signed.summary;
  return {
    signed,
    verdict: {
      valid: true,
      file,
      keyId,
      digest,
      generatedAt: signed.generatedAt,
      checks,
      findings,
      text: `signature valid: keyId ${keyId}, generated ${signed.generatedAt}, ${checks} checks, ${findings} findings (${digest})\n`,
    },
  };
}

/** A period report: valid, then rendered as asked; invalid, the reason. */
function verifyPeriod(file: string, trusted: readonly TrustedKey[], request: AuditVerifyRequest, io: CommandContext['io']): number {
  const read = fileBytes(file);
  const verification = 'bytes' in read ? verifyPeriodReport(read.bytes, trusted) : { ok: false as const, reason: read.problem };
  if (!verification.ok) {
    return report(
      { valid: false, file, reason: verification.reason, text: `signature invalid: ${file}: ${verification.reason}\n` },
      request,
      io,
    );
  }
  const { document: period, keyId, digest } = verification;
  const { from, to } = period.period;
  const { reports, chainFindings, findings, open, result } = period.summary;
  const code = report(
    {
      valid: true,
      file,
      keyId,
      digest,
      period: period.period,
      result,
      reports,
      chainFindings,
      findings,
      text: `signature valid: period report ${from} to ${to}, keyId ${keyId}, ${result}: ${reports} reports, ${chainFindings} evidence findings, ${findings} findings (${open} open) (${digest})\n`,
    },
    request,
    io,
  );
  if (request.text) io.stdout.write(`\n${formatPeriodText(period)}`);
  if (request.html !== undefined) writeHtml(request.html, renderPeriodHtml(period));
  return code;
}

function writeHtml(path: string, page: string): void {
  try {
    writeFileSync(path, page);
  } catch (error) {
    throw new UsageError(`--html ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

function verifyDirectory(dir: string, trusted: readonly TrustedKey[]): Verdict {
  const chain = verifyChain(dir, trusted);
  if (!chain.ok)
    return { valid: false, chain: dir, file: chain.file, reason: chain.reason, text: `chain invalid: ${chain.file}: ${chain.reason}\n` };
  if (chain.reports === 0) {
    const reason = `${dir} holds no audit-*.json reports`;
    return { valid: false, chain: dir, reason, text: `chain invalid: ${reason}\n` };
  }
  const newest = { file: chain.newest?.file ?? '', digest: chain.newest?.digest ?? '' };
  const rotations = chain.rotations.map(
    (rotation) => `key rotation in ${rotation.file}: keyId ${rotation.from} to ${rotation.to} at ${rotation.at}\n`,
  );
  return {
    valid: true,
    chain: dir,
    reports: chain.reports,
    newest,
    keyIds: chain.keyIds,
    rotations: chain.rotations,
    text: `chain valid: ${chain.reports} reports, each naming the one before it; newest ${newest.file} (${newest.digest})\n${rotations.join('')}`,
  };
}

/** Every --key-id and every --public-key file, each file read and checked to be an Ed25519 public key. */
export function trustedKeysFrom({ publicKeys, keyIds }: Pick<AuditVerifyRequest, 'publicKeys' | 'keyIds'>): TrustedKey[] {
  return [...keyIds.map((keyId) => ({ keyId })), ...publicKeys.map(publicKeyFile)];
}

export function publicKeyFile(path: string): TrustedKey {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    throw new UsageError(`--public-key ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  try {
    return loadPublicKey(pem, `--public-key ${path}`);
  } catch (error) {
    throw new UsageError(errorMessage(error), { cause: error });
  }
}
