/**
 * The flags of `bulkhead audit export --report FILE [-o oscal|csv] [--out FILE] [--public-key PEM]...
 * [--key-id HEX]...` and the rules on them; the work is in audit-export.ts. The trusted keys are
 * those of `audit verify`: any number of each, so a report signed after a key rotation exports
 * when the old key is the one trusted.
 */
import { Option, type Command } from 'commander';
import { given, repeated, repeatedKeyId } from './audit-flags.js';
import { formatOption, outputOf } from './output.js';
import type { Binder } from './program.js';

export const exportFormats = ['oscal', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface AuditExportRequest {
  report: string;
  format: ExportFormat;
  out?: string;
  /** Trusted keys, as `audit verify` takes them; none means the signature is not checked. */
  publicKeys: string[];
  keyIds: string[];
}

export function auditExportRequestOf(command: Command): AuditExportRequest {
  const values = command.opts<{ report: string; out?: string; publicKey?: string[]; keyId?: string[] }>();
  return given({
    report: values.report,
    format: outputOf<ExportFormat>(command),
    out: values.out,
    publicKeys: values.publicKey ?? [],
    keyIds: values.keyId ?? [],
  });
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
      .option('--public-key <pem>', "verify the report first with a signer's Ed25519 public key (PEM); repeatable", repeated)
      .addOption(
        new Option('--key-id <hex>', "verify the report first with the SHA-256 of a signer's public key; repeatable").argParser(
          repeatedKeyId,
        ),
      ),
    (command, context) => handlers.auditExport(auditExportRequestOf(command), context),
  );
}
