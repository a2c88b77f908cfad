/**
 * `bulkhead export open MANIFEST --public-key PEM --recipient-key PEM --archive FILE --out DUMP`:
 * the customer reads their export with their own private key, no KMS and no platform team. In
 * order: the manifest verifies with the operator's key the customer trusts; it names the
 * customer's key (its SHA-256 fingerprint); the archive, the sealed data key and the backup
 * manifest (IV and tag) have the SHA-256 it signs; the data key opens with the private key; the
 * AES-256-GCM archive authenticates and its plaintext has the signed SHA-256. Only then is DUMP,
 * a pg_dump archive for pg_restore, left in place; on any failure it is removed.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  decryptFile,
  openAsRecipient,
  parseBackupManifest,
  publicKeyId,
  sha256Hex,
  verifyExportManifest,
  type ExportManifest,
} from '../providers/backup/index.js';
import { loadPublicKey } from '../audit/report/index.js';
import { errorMessage, ExitCode } from './exit-codes.js';
import type { ExportOpenRequest } from './export-commands.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

/** Reads a file and checks it is the one the manifest signs. */
function readSigned(file: string, what: string, sha256: string): Buffer {
  const bytes = read(file, what);
  const digest = sha256Hex(bytes);
  if (digest !== sha256) throw new Error(`${what} ${file} has SHA-256 ${digest}, not the ${sha256} the manifest signs`);
  return bytes;
}

function loadRecipientKey(file: string): KeyObject {
  try {
    return createPrivateKey(read(file, 'the recipient key'));
  } catch (error) {
    throw new Error(`the recipient key ${file} is not a PEM private key: ${errorMessage(error)}`, { cause: error });
  }
}

type RecipientManifest = Extract<ExportManifest, { formatVersion: 2 }>;

function verified(request: ExportOpenRequest): RecipientManifest {
  const trusted = loadPublicKey(read(request.publicKey, 'the public key'), request.publicKey);
  const manifest = verifyExportManifest(read(request.file, 'the export manifest').toString('utf8'), trusted);
  if (manifest.formatVersion !== 2) {
    throw new Error(
      `export ${manifest.exportId} has manifest format version ${manifest.formatVersion}: its data key is sealed only under the ` +
        "tenant's KMS key, so it opens only with that key (ask the platform team), not with a recipient key",
    );
  }
  return manifest;
}

/** The archive's data key, opened with the customer's private key once it is the key the manifest names. */
function dataKeyOf(manifest: RecipientManifest, request: ExportOpenRequest, partsDir: string): Buffer {
  const privateKey = loadRecipientKey(request.recipientKey);
  const keyId = publicKeyId(createPublicKey(privateKey));
  if (keyId !== manifest.recipient.keyId) {
    throw new Error(`the export is sealed to recipient key ${manifest.recipient.keyId}, not to ${request.recipientKey} (${keyId})`);
  }
  const sealedFile = request.recipientDataKey ?? join(partsDir, 'data-key.recipient.bin');
  return openAsRecipient(readSigned(sealedFile, 'the sealed data key', manifest.recipient.dataKey.sha256), privateKey);
}

async function decrypt(
  manifest: RecipientManifest,
  request: ExportOpenRequest,
  run: { wrote: boolean },
): Promise<{ size: number; sha256: string }> {
  const partsDir = dirname(request.archive);
  const backupFile = request.backupManifest ?? join(partsDir, 'manifest.json');
  const backup = parseBackupManifest(
    readSigned(backupFile, 'the backup manifest', manifest.backupManifest.sha256).toString('utf8'),
    backupFile,
  );
  readSigned(request.archive, 'the archive', manifest.archive.sha256);
  const dataKey = dataKeyOf(manifest, request, partsDir);
  try {
    const seal = { iv: Buffer.from(backup.cipher.iv, 'base64'), authTag: Buffer.from(backup.cipher.authTag, 'base64') };
    if (existsSync(request.out)) throw new Error(`${request.out} exists; name a new file with --out`);
    run.wrote = true;
    const opened = await decryptFile(request.archive, request.out, dataKey, seal).catch((error: unknown) => {
      throw new Error(`the archive does not decrypt: ${errorMessage(error)}`, { cause: error });
    });
    if (opened.plaintext.sha256 !== manifest.plaintextSha256) {
      throw new Error(`the decrypted dump has SHA-256 ${opened.plaintext.sha256}, not the ${manifest.plaintextSha256} the manifest signs`);
    }
    return opened.plaintext;
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts the export to --out; nothing is left there unless every check passed. */
export async function runExportOpen(request: ExportOpenRequest, { io }: CommandContext): Promise<number> {
  let manifest: RecipientManifest;
  let dump: { size: number; sha256: string };
  const run = { wrote: false };
  try {
    manifest = verified(request);
    dump = await decrypt(manifest, request, run);
  } catch (error) {
    // GCM authenticates only at the end, so a partial or unverified dump is removed; a file that was there before is not ours.
    if (run.wrote) await rm(request.out, { force: true });
    const reason = errorMessage(error);
    if (request.output === 'text') io.stderr.write(`not opened: ${reason}\n`);
    else io.stdout.write(render(request.output, { opened: false, file: request.file, reason }, () => ''));
    return ExitCode.failed;
  }
  const rows = manifest.tables.reduce((sum, table) => sum + table.rows, 0);
  const document = {
    opened: true,
    file: request.file,
    out: request.out,
    exportId: manifest.exportId,
    tenant: manifest.tenant,
    dump,
    tables: manifest.tables,
  };
  io.stdout.write(
    render(
      request.output,
      document,
      () =>
        `opened: export ${manifest.exportId} of tenant ${manifest.tenant} written to ${request.out} (${dump.size} bytes, sha256 ${dump.sha256}), ` +
        `${manifest.tables.length} tables, ${rows} rows\nrestore it with: pg_restore --no-owner --dbname <database> ${request.out}\n`,
    ),
  );
  return ExitCode.ok;
}
