/**
 * `bulkhead audit keygen --out DIR [--name NAME]`: a new Ed25519 key pair for signing audit
 * reports: DIR/NAME.key (PKCS#8 PEM, mode 0600, for the audit's signer only) and DIR/NAME.pub.pem
 * (SPKI PEM, to hand to auditors), plus its keyId. Existing files are never overwritten.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey } from '../audit/report/index.js';
import type { AuditKeygenRequest } from './audit-commands.js';
import { errorMessage, ExitCode } from './exit-codes.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';

export function runAuditKeygen({ dir, name, output }: AuditKeygenRequest, { io }: CommandContext): number {
  const keys = generateSigningKey();
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub.pem`);
  const existing = [privatePath, publicPath].filter((path) => existsSync(path));
  if (existing.length > 0) {
    io.stderr.write(`bulkhead audit keygen: ${existing.join(', ')} already exists; a key that may sign reports is never replaced\n`);
    return ExitCode.failed;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // 'wx': refuse to replace a key that may already sign reports.
    writeFileSync(privatePath, keys.privateKey, { flag: 'wx', mode: 0o600 });
    chmodSync(privatePath, 0o600); // the mode above is filtered by the umask; this is not
    writeFileSync(publicPath, keys.publicKey, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    io.stderr.write(`bulkhead audit keygen: ${errorMessage(error)}\n`);
    return ExitCode.failed;
  }
  const document = { privateKey: privatePath, publicKey: publicPath, keyId: keys.keyId };
  io.stdout.write(
    render(
      output,
      document,
      () =>
        `private key: ${privatePath} (keep it with the audit's signer only)\npublic key:  ${publicPath} (give it to auditors)\nkeyId:       ${keys.keyId}\n`,
    ),
  );
  return ExitCode.ok;
}
