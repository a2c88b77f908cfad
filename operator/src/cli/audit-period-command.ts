/**
 * `bulkhead audit period`: its flags and the rules on them (the work is in audit-period.ts).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { given, repeated, repeatedKeyId } from './audit-flags.js';
import { UsageError } from './exit-codes.js';
import type { Binder } from './program.js';

export interface AuditPeriodRequest {
  chain: string;
  from: Date;
  to: Date;
  /** --interval; absent: inferred from the reports. */
  intervalSeconds?: number;
  publicKeys: string[];
  keyIds: string[];
  signingKey: string;
  out: string;
  html?: string;
}

/** An ISO 8601 time with its zone: a period's edge must not depend on the machine's time zone. */
function instant(flag: string): (value: string) => Date {
  return (value) => {
    const time = Date.parse(value);
    if (!/(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(time))
      throw new InvalidArgumentError(`${flag} ${value}: expected an ISO 8601 time with a zone, e.g. 2026-11-01T00:00:00Z`);
    return new Date(time);
  };
}

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function duration(value: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  const seconds = match ? Number(match[1]) * (durationUnits[match[2] ?? ''] ?? 0) : 0;
  if (seconds < 1) throw new InvalidArgumentError(`--interval ${value}: expected a positive whole number of s, m, h or d, e.g. 300s or 1h`);
  return seconds;
}

export function auditPeriodRequestOf(command: Command): AuditPeriodRequest {
  const values = command.opts<{
    chain: string;
    from: Date;
    to: Date;
    interval?: number;
    publicKey?: string[];
    keyId?: string[];
    signingKey: string;
    out: string;
    html?: string;
  }>();
  if (values.from >= values.to) throw new UsageError(`--from ${values.from.toISOString()} must be before --to ${values.to.toISOString()}`);
  const publicKeys = values.publicKey ?? [];
  const keyIds = values.keyId ?? [];
  if (publicKeys.length + keyIds.length === 0)
    throw new UsageError('give at least one --public-key PEM or --key-id HEX: the reports are never trusted on their embedded keys alone');
  const { chain, from, to, interval, signingKey, out, html } = values;
  return given({ chain, from, to, intervalSeconds: interval, publicKeys, keyIds, signingKey, out, html });
}

export function addPeriod(audit: Command, { bind, handlers }: Binder): void {
  bind(
    audit
      .command('period')
      .description(
        'verify every report of a chain in a window and write a signed period report: gaps, missing or unverified reports, ' +
          'each finding with its first and last sighting and time to remediate, the tenants present; exit 1 on any finding',
      )
      .requiredOption('--chain <dir>', 'the directory of chained reports (audit-*.json)')
      .addOption(
        new Option('--from <time>', 'start of the window, ISO 8601 with a zone').argParser(instant('--from')).makeOptionMandatory(),
      )
      .addOption(new Option('--to <time>', 'end of the window, ISO 8601 with a zone').argParser(instant('--to')).makeOptionMandatory())
      .option('--public-key <pem>', "a signer's Ed25519 public key (PEM), from the signer; repeatable", repeated)
      .addOption(new Option('--key-id <hex>', "the SHA-256 of a signer's public key; repeatable").argParser(repeatedKeyId))
      .addOption(
        new Option('--interval <duration>', 'the audit interval (300s, 1h, 1d; default: the median spacing of the reports)').argParser(
          duration,
        ),
      )
      .requiredOption('--signing-key <pem>', 'the Ed25519 private key (PEM) that signs the period report')
      .requiredOption('--out <file>', 'where to write the signed period report (JSON; never overwritten)')
      .option('--html <out>', 'also write the period report as a self-contained HTML page'),
    (command, context) => handlers.auditPeriod(auditPeriodRequestOf(command), context),
  );
}
