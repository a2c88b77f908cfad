/**
 * `bulkhead export verify`: the customer's check of a deleted tenant's final export
 * (deletionPolicy Export), and `bulkhead export open`: the customer decrypts it with their own
 * key. Their work is in export-verify.ts and export-open.ts.
 */
import type { Command } from 'commander';
import { outputFormats, outputOption, type OutputFormat } from './output.js';
import type { Binder } from './program.js';

export interface ExportVerifyRequest {
  file: string;
  publicKey: string;
  archive?: string;
  output: OutputFormat;
}

export interface ExportOpenRequest {
  file: string;
  publicKey: string;
  recipientKey: string;
  archive: string;
  /** Default: data-key.recipient.bin beside the archive. */
  recipientDataKey?: string;
  /** Default: manifest.json beside the archive. */
  backupManifest?: string;
  out: string;
  output: OutputFormat;
}

export function addExportCommands(program: Command, { bind, handlers }: Binder): void {
  const exportCommand = program.command('export').description("a deleted tenant's final export (deletionPolicy Export)");
  bind(
    exportCommand
      .command('verify')
      .description(
        'check that an export manifest (export-manifest.json) is unchanged since the operator signed it, and optionally that ' +
          'a downloaded archive is the one it names; exit 1 if not',
      )
      .argument('<file>', 'the signed export manifest (JSON)')
      .requiredOption(
        '--public-key <pem>',
        "the operator's Ed25519 public key (PEM), obtained from the platform team, not from the manifest",
      )
      .option('--archive <file>', 'the downloaded archive.enc: its SHA-256 must be the one the manifest signs')
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const { publicKey, archive, output } = command.opts<{ publicKey: string; archive?: string; output: OutputFormat }>();
      return handlers.exportVerify({ file: command.args[0] ?? '', publicKey, ...(archive ? { archive } : {}), output }, context);
    },
  );
  addExportOpen(exportCommand, { bind, handlers });
}

function addExportOpen(exportCommand: Command, { bind, handlers }: Binder): void {
  bind(
    exportCommand
      .command('open')
      .description(
        'verify an export as `export verify` does, then decrypt its archive with your own RSA private key (the one its ' +
          'manifest names) into a pg_dump archive for pg_restore; exit 1 if any check fails, leaving no output',
      )
      .argument('<file>', 'the signed export manifest (export-manifest.json)')
      .requiredOption('--public-key <pem>', "the operator's Ed25519 public key (PEM), obtained from the platform team")
      .requiredOption('--recipient-key <pem>', 'your RSA private key (PEM, unencrypted), whose public half the Tenant named')
      .requiredOption('--archive <file>', "the downloaded archive.enc; the export's other files are looked for beside it")
      .option('--recipient-data-key <file>', 'the data key sealed to you (default: data-key.recipient.bin beside the archive)')
      .option('--backup-manifest <file>', "the archive's manifest.json with its IV and tag (default: beside the archive)")
      .requiredOption('--out <file>', 'where to write the pg_dump archive (must not exist)')
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const options = command.opts<Omit<ExportOpenRequest, 'file'>>();
      const { recipientDataKey, backupManifest } = options;
      const request: ExportOpenRequest = {
        file: command.args[0] ?? '',
        publicKey: options.publicKey,
        recipientKey: options.recipientKey,
        archive: options.archive,
        ...(recipientDataKey ? { recipientDataKey } : {}),
        ...(backupManifest ? { backupManifest } : {}),
        out: options.out,
        output: options.output,
      };
      return handlers.exportOpen(request, context);
    },
  );
}
