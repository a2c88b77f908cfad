/**
 * The flags of `bulkhead audit export --report FILE [-o oscal|csv] [--out FILE] [--public-key PEM |
 * --key-id HEX]` and the rules on them; the work is in audit-export.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from './exit-codes.js';
import { formatOption, outputOf } from './output.js';
import type { Binder } from './program.js';

export const exportFormats = ['oscal', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface AuditExportRequest {
  report: string;
  format: ExportFormat;
  out?: string;
  publicKey?: string;
  keyId?: string;
}

function keyId(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value))
    throw new InvalidArgumentError(`--key-id ${value}: expected 64 hex digits (the SHA-256 of the public key)`);
  return value.toLowerCase();
}

export function auditExportRequestOf(command: Command): AuditExportRequest {
  const values = command.opts<{ report: string; out?: string; publicKey?: string; keyId?: string }>();
  if (values.publicKey !== undefined && values.keyId !== undefined)
    throw new UsageError('give at most one of --public-key PEM or --key-id HEX');
  return {
    report: values.report,
    format: outputOf<ExportFormat>(command),
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values.publicKey === undefined ? {} : { publicKey: values.publicKey }),
    ...(values.keyId === undefined ? {} : { keyId: values.keyId }),
  };
}

export function addExport(audit: Command, { bind, handlers }: Binder): void {
  bind(
    audit
      .command('export')
      .description(
        'write a signed audit report as OSCAL 1.1.3 assessment-results JSON or as a CSV of its checks; ' +
          'with --public-key or --key-id, only after its signature verified (exit 1 if it does not)',
      )
      .requiredOption('--report <file>', 'the signed report (JSON), as written')
      .addOption(new Option('-o, --output <format>', 'export format').choices(exportFormats).default('oscal'))
      .addOption(formatOption(exportFormats))
      .option('--out <file>', 'write there instead of standard output')
      .option('--public-key <pem>', "verify the report first with the signer's Ed25519 public key (PEM)")
      .addOption(new Option('--key-id <hex>', "verify the report first with the SHA-256 of the signer's public key").argParser(keyId)),
    (command, context) => handlers.auditExport(auditExportRequestOf(command), context),
  );
}
