/**
 * `bulkhead audit period --chain DIR --from T1 --to T2 (--public-key PEM | --key-id HEX)...
 * --signing-key PEM --out FILE [--interval DURATION] [--html OUT]`: verifies every report of the
 * chain in the window (following key rotations from the trusted keys), writes the signed period
 * report to FILE (and its page to OUT), and prints its text form. Its flags are in
 * audit-period-command.ts.
 *
 * Exit 0 when the period holds no finding, 1 when it does (a gap, a missing or unverified report,
 * a finding of a report), 2 on bad usage (including too few reports to infer the interval).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  buildPeriodReport,
  formatPeriodText,
  PeriodInputError,
  renderPeriodHtml,
  serializePeriodReport,
  signPeriodReport,
} from '../audit/period/index.js';
import { digestOf, keyIdOf, loadPrivateKey, readChain, type TrustedKey } from '../audit/report/index.js';
import type { AuditPeriodRequest } from './audit-period-command.js';
import { trustedKeysFrom } from './audit-verify.js';
import { errorMessage, ExitCode, UsageError } from './exit-codes.js';
import type { CommandContext } from './program.js';

export function runAuditPeriod(request: AuditPeriodRequest, { io }: CommandContext): number {
  const trusted = trustedKeysFrom(request);
  const signingKey = privateKeyFrom(request.signingKey);
  const entries = readChain(request.chain, trusted);
  if (entries.length === 0) throw new UsageError(`--chain ${request.chain}: holds no audit-*.json reports`);
  let unsigned;
  try {
    unsigned = buildPeriodReport(entries, {
      from: request.from,
      to: request.to,
      ...(request.intervalSeconds === undefined ? {} : { intervalSeconds: request.intervalSeconds }),
      given: trusted.map(keyIdOfTrusted),
      generatedAt: new Date(),
    });
  } catch (error) {
    if (error instanceof PeriodInputError) throw new UsageError(`--chain ${request.chain}: ${error.message}`, { cause: error });
    throw error;
  }
  const signed = signPeriodReport(unsigned, signingKey);
  const bytes = serializePeriodReport(signed);
  write(request.out, '--out', bytes, 'wx');
  if (request.html !== undefined) write(request.html, '--html', renderPeriodHtml(signed));
  io.stdout.write(formatPeriodText(signed));
  io.stderr.write(`bulkhead audit period: period report ${request.out} (${digestOf(bytes)})\n`);
  return signed.summary.result === 'pass' ? ExitCode.ok : ExitCode.failed;
}

function keyIdOfTrusted(key: TrustedKey): string {
  return 'keyId' in key ? key.keyId.toLowerCase() : keyIdOf(key);
}

function privateKeyFrom(path: string): ReturnType<typeof loadPrivateKey> {
  try {
    return loadPrivateKey(readFileSync(path), `--signing-key ${path}`);
  } catch (error) {
    throw new UsageError(errorMessage(error), { cause: error });
  }
}

/** `wx` for the signed file: a period report, like a report, is never overwritten. */
function write(path: string, flag: string, content: string | Buffer, mode: 'w' | 'wx' = 'w'): void {
  try {
    writeFileSync(path, content, { flag: mode });
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${errorMessage(error)}`, { cause: error });
  }
}
