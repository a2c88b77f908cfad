/**
 * `bulkhead export verify FILE --public-key PEM [--archive FILE]`: the export manifest verifies
 * only with the key the caller trusts (the one embedded in it is not trusted on its own); with
 * `--archive`, the archive's SHA-256 must be the one signed. Exit 0 when valid, 1 when not.
 */
import { readFileSync } from 'node:fs';
import { sha256Hex, verifyExportManifest, type ExportManifest } from '../providers/backup/index.js';
import { loadPublicKey } from '../audit/report/index.js';
import { errorMessage, ExitCode } from './exit-codes.js';
import type { ExportVerifyRequest } from './export-commands.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

function summary(manifest: ExportManifest): string {
  const rows = manifest.tables.reduce((sum, table) => sum + table.rows, 0);
  return (
    `valid: export ${manifest.exportId} of tenant ${manifest.tenant} (${manifest.tenantUid}), created ${manifest.createdAt}, ` +
    `signed by key ${manifest.signature.keyId}\n` +
    `archive s3://${manifest.bucket}/${manifest.archive.key} (${manifest.archive.size} bytes, sha256 ${manifest.archive.sha256}), ` +
    `sealed under KMS key ${manifest.keyId}` +
    (manifest.formatVersion === 2 ? ` and to recipient key ${manifest.recipient.keyId}\n` : ' only (format version 1)\n') +
    `${manifest.tables.length} tables, ${rows} rows\n`
  );
}

function checkArchive(manifest: ExportManifest, file: string): void {
  const digest = sha256Hex(read(file, 'the archive'));
  if (digest !== manifest.archive.sha256) {
    throw new Error(`the archive ${file} has SHA-256 ${digest}, not the ${manifest.archive.sha256} the manifest signs`);
  }
}

export function runExportVerify(request: ExportVerifyRequest, { io }: CommandContext): number {
  let manifest: ExportManifest;
  try {
    const trusted = loadPublicKey(read(request.publicKey, 'the public key'), request.publicKey);
    manifest = verifyExportManifest(read(request.file, 'the export manifest').toString('utf8'), trusted);
    if (request.archive !== undefined) checkArchive(manifest, request.archive);
  } catch (error) {
    const reason = errorMessage(error);
    if (request.output === 'text') io.stderr.write(`invalid: ${reason}\n`);
    else io.stdout.write(render(request.output, { valid: false, file: request.file, reason }, () => ''));
    return ExitCode.failed;
  }
  const document = { valid: true, file: request.file, archiveChecked: request.archive !== undefined, manifest };
  io.stdout.write(render(request.output, document, () => summary(manifest)));
  return ExitCode.ok;
}
