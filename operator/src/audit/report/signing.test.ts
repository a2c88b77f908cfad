/** Signing a report with Ed25519 and verifying it: the round trip, keys, and what a verifier trusts. */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { buildReport } from './build.js';
import { sampleReportParts } from './sample-parts.js';
import { generateSigningKey, keyIdOf, loadPrivateKey, loadPublicKey, serializeReport, signReport } from './signing.js';
import { verifyReport } from './verify.js';

describe('report signing', () => {
  const keys = generateSigningKey();
  const privateKey = loadPrivateKey(keys.privateKey, 'private');
  const publicKey = loadPublicKey(keys.publicKey, 'public');
  const signed = signReport(buildReport(sampleReportParts()), privateKey);

  it('verifies what it signed with the public key, and names the key by the SHA-256 of its SPKI form', () => {
    const verification = verifyReport(serializeReport(signed), publicKey);
    assert.equal(verification.ok, true, verification.ok ? '' : verification.reason);
    const spki = createPublicKey(keys.publicKey).export({ type: 'spki', format: 'der' });
    assert.equal(signed.signature.keyId, createHash('sha256').update(spki).digest('hex'));
    assert.equal(signed.signature.keyId, keys.keyId);
    assert.equal(keyIdOf(publicKey), keys.keyId);
  });

  it('verifies with a trusted keyId alone, using the embedded key only because it hashes to that keyId', () => {
    const verification = verifyReport(serializeReport(signed), { keyId: keys.keyId });
    assert.equal(verification.ok, true);
  });

  it('fails with another public key, naming both keyIds', () => {
    const other = generateSigningKey();
    const verification = verifyReport(serializeReport(signed), loadPublicKey(other.publicKey, 'other'));
    assert.equal(verification.ok, false);
    assert.match(
      verification.ok ? '' : verification.reason,
      new RegExp(`untrusted key: keyId ${keys.keyId}, trusted keyId ${other.keyId}`),
    );
  });

  it('does not trust a report re-signed by an attacker who embedded their own key', () => {
    const attacker = generateSigningKey();
    const forged = signReport(
      { ...buildReport(sampleReportParts()), cluster: { server: 'https://evil.example', kubeSystemUid: 'x' } },
      loadPrivateKey(attacker.privateKey, 'attacker'),
    );
    const bytes = serializeReport(forged);
    assert.equal(verifyReport(bytes, publicKey).ok, false);
    assert.equal(verifyReport(bytes, { keyId: keys.keyId }).ok, false);
  });

  it("fails when the embedded public key is swapped for the trusted one but the signature is an attacker's", () => {
    const attacker = generateSigningKey();
    const forged = signReport(buildReport(sampleReportParts()), loadPrivateKey(attacker.privateKey, 'attacker'));
    const relabelled = { ...forged, signature: { ...forged.signature, keyId: keys.keyId, publicKey: signed.signature.publicKey } };
    const verification = verifyReport(serializeReport(relabelled), { keyId: keys.keyId });
    assert.equal(verification.ok, false);
    assert.match(verification.ok ? '' : verification.reason, /signature does not match/);
  });

  it('refuses keys that are not Ed25519, naming the source', () => {
    const { privateKey: rsa, publicKey: rsaPublic } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.throws(
      () => loadPrivateKey(rsa.export({ type: 'pkcs8', format: 'pem' }), 'keys/rsa.key'),
      /keys\/rsa\.key: expected an Ed25519 key, got rsa/,
    );
    assert.throws(
      () => loadPublicKey(rsaPublic.export({ type: 'spki', format: 'pem' }), 'keys/rsa.pub'),
      /keys\/rsa\.pub: expected an Ed25519 key/,
    );
    assert.throws(() => loadPublicKey('not a key', 'keys/garbage.pem'), /keys\/garbage\.pem: not a PEM key/);
  });

  it('keeps crypto\'s own error as the cause of "not a PEM key"', () => {
    assert.throws(
      () => loadPublicKey('not a key', 'keys/garbage.pem'),
      (error: Error) => error.cause instanceof Error && error.message.includes(error.cause.message),
    );
  });

  it('writes the file as the canonical form of the signed document, without a trailing newline', () => {
    const bytes = serializeReport(signed);
    assert.equal(bytes.at(-1), '}'.charCodeAt(0));
    assert.ok(!bytes.toString().includes('\n'));
    assert.deepEqual(JSON.parse(bytes.toString()), signed);
  });
});
