/**
 * `bulkhead export verify`: the customer's check of a deleted tenant's final export
 * (deletionPolicy Export). Its work is in export-verify.ts.
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
}
