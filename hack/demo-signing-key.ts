/**
 * The audit signing key of `make demo` and the chain its reports form (README's tour verifies
 * `.bulkhead/audit` with `audit verify --chain`). The key is kept in the state directory and reused
 * by every later run, as a platform keeps one signing identity, so the reports of earlier runs keep
 * verifying. A report directory the key cannot verify (reports of a key since deleted, or of a
 * demo from before the key was kept) is moved aside and a new chain starts, so that the tour's
 * command holds after any number of runs (docs/decisions/0034).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf, loadPublicKey, verifyChain } from '../operator/src/audit/report/index.js';

export interface DemoSigningKey {
  /** PKCS#8 PEM, for the operator's Secret. */
  privateKeyPem: string;
  /** SPKI PEM file, the tour's $BULKHEAD_AUDIT_PUBLIC_KEY. */
  publicKeyFile: string;
  keyId: string;
}

/** The demo's key: created on the first run (mode 0600), the same on every later one. */
export function demoSigningKey(stateDir: string): DemoSigningKey {
  const privateFile = join(stateDir, 'audit-signing-key.pem');
  const publicKeyFile = join(stateDir, 'audit-signing-key.pub.pem');
  if (!existsSync(privateFile)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const privateKey = createPrivateKey(readFileSync(privateFile));
  const publicKey = createPublicKey(privateKey);
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKeyFile, keyId: keyIdOf(publicKey) };
}

/**
 * Moves `reportDir` aside when the demo's key cannot verify it as a chain, so the next report
 * starts a new one; where it went and why, or undefined when the chain verifies (or is empty).
 */
export function startNewChainIfUnverifiable(
  reportDir: string,
  publicKeyFile: string,
  now = new Date(),
): { movedTo: string; reason: string } | undefined {
  const chain = verifyChain(reportDir, loadPublicKey(readFileSync(publicKeyFile), publicKeyFile));
  if (chain.ok) return undefined;
  const movedTo = `${reportDir}-unverifiable-${now.toISOString().replaceAll(':', '-')}`;
  renameSync(reportDir, movedTo);
  return { movedTo, reason: `${chain.file}: ${chain.reason}` };
}
