/**
 * `bulkhead audit keygen --out DIR [--name NAME]`: a new Ed25519 key pair for signing audit
 * reports: DIR/NAME.key (PKCS#8 PEM, mode 0600, for the audit's signer only) and DIR/NAME.pub.pem
 * (SPKI PEM, to hand to auditors), plus its keyId. Existing files are never overwritten.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKey } from '../audit/report/index.js';
import { errorMessage } from '../runtime/errors.js';

export const auditKeygenUsage = `usage: bulkhead audit keygen --out DIR [--name NAME]

  writes DIR/NAME.key (private, mode 0600) and DIR/NAME.pub.pem (public); NAME defaults to audit-signing
`;

export function runAuditKeygen(args: string[], out: NodeJS.WritableStream, errors: NodeJS.WritableStream = process.stderr): number {
  let dir: string;
  let name: string;
  try {
    ({ dir, name } = requestFrom(args));
  } catch (error) {
    errors.write(`bulkhead audit keygen: ${errorMessage(error)}\n${auditKeygenUsage}`);
    return 2;
  }
  const keys = generateSigningKey();
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub.pem`);
  const existing = [privatePath, publicPath].filter((path) => existsSync(path));
  if (existing.length > 0) {
    errors.write(`bulkhead audit keygen: ${existing.join(', ')} already exists; a key that may sign reports is never replaced\n`);
    return 1;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // 'wx': refuse to replace a key that may already sign reports.
    writeFileSync(privatePath, keys.privateKey, { flag: 'wx', mode: 0o600 });
    chmodSync(privatePath, 0o600); // the mode above is filtered by the umask; this is not
    writeFileSync(publicPath, keys.publicKey, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    errors.write(`bulkhead audit keygen: ${errorMessage(error)}\n`);
    return 1;
  }
  out.write(`private key: ${privatePath} (keep it with the audit's signer only)\npublic key:  ${publicPath} (give it to auditors)\nkeyId:       ${keys.keyId}\n`);
  return 0;
}

function requestFrom(args: string[]): { dir: string; name: string } {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { out: { type: 'string' }, name: { type: 'string', default: 'audit-signing' } } });
  if (!values.out) throw new Error('--out DIR is required');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.name)) throw new Error(`--name ${values.name}: expected letters, digits, '.', '_' or '-'`);
  return { dir: values.out, name: values.name };
}
