/** Key rotation in a chain: a trusted key hands over to a new one, and nothing else makes a key trusted. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { buildReport } from './build.js';
import { verifyChain } from './chain.js';
import { signRotation, type KeyRotation } from './rotation.js';
import { sampleReportParts } from './sample-parts.js';
import { generateSigningKey, loadPrivateKey, loadPublicKey, serializeReport, signReport } from './signing.js';
import { previousInStore, saveReport } from './store.js';
import { verifyTrusted } from './trust.js';

function keyPair() {
  const pem = generateSigningKey();
  return { keyId: pem.keyId, privateKey: loadPrivateKey(pem.privateKey, 'private'), publicKey: loadPublicKey(pem.publicKey, 'public') };
}

const oldKey = keyPair();
const newKey = keyPair();
const strangerKey = keyPair();
const file = (minute: number) => `audit-2026-11-27T03-${String(minute).padStart(2, '0')}-00.000Z.json`;

describe('key rotation in a chain', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-rotation-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A report at 03:MM signed by `key`, chained onto the store's newest, carrying `rotation` if given. */
  function audit(minute: number, key: KeyObject, rotation?: KeyRotation): Buffer {
    const parts = { ...sampleReportParts(), generatedAt: new Date(Date.UTC(2026, 10, 27, 3, minute)), previous: previousInStore(dir) };
    const signed = signReport({ ...buildReport(parts), ...(rotation ? { rotation } : {}) }, key);
    saveReport(dir, signed);
    return serializeReport(signed);
  }

  const rotationAt = (minute: number, from: KeyObject, to: KeyObject) =>
    signRotation(from, to, new Date(Date.UTC(2026, 10, 27, 3, minute)));

  it('verifies across a rotation trusting only the old key, and names the rotation', () => {
    audit(0, oldKey.privateKey);
    audit(5, newKey.privateKey, rotationAt(5, oldKey.privateKey, newKey.publicKey));
    audit(10, newKey.privateKey);
    const chain = verifyChain(dir, [oldKey.publicKey]);
    assert.equal(chain.ok, true, chain.ok ? '' : chain.reason);
    assert.deepEqual(chain.ok ? [chain.keyIds, chain.rotations] : [], [
      [oldKey.keyId, newKey.keyId],
      [{ from: oldKey.keyId, to: newKey.keyId, at: '2026-11-27T03:05:00.000Z', file: file(5) }],
    ]);
    assert.equal(verifyChain(dir, [{ keyId: oldKey.keyId }]).ok, true, 'by keyId as well');
    assert.equal(verifyChain(dir, [oldKey.publicKey, newKey.publicKey]).ok, true, 'and with both keys given');
  });

  it('refuses the old reports when only the new key is given: a rotation does not reach backwards', () => {
    audit(0, oldKey.privateKey);
    audit(5, newKey.privateKey, rotationAt(5, oldKey.privateKey, newKey.publicKey));
    const chain = verifyChain(dir, [newKey.publicKey]);
    assert.deepEqual(chain.ok ? [] : [chain.file, /signed by an untrusted key/.test(chain.reason)], [file(0), true]);
  });

  it('refuses a report signed by a key neither given nor introduced by a rotation, naming the report', () => {
    audit(0, oldKey.privateKey);
    audit(5, strangerKey.privateKey);
    const chain = verifyChain(dir, oldKey.publicKey);
    assert.equal(chain.ok ? '' : chain.file, file(5));
    assert.match(
      chain.ok ? '' : chain.reason,
      new RegExp(`signed by an untrusted key: keyId ${strangerKey.keyId}, trusted keyIds ${oldKey.keyId}`),
    );
  });

  it('refuses a rotation the retiring key did not sign', () => {
    audit(0, oldKey.privateKey);
    const forged = rotationAt(5, strangerKey.privateKey, newKey.publicKey);
    // The stranger's statement, relabelled as the trusted key's hand-over.
    const relabelled = { ...forged, from: rotationAt(5, oldKey.privateKey, newKey.publicKey).from };
    audit(5, newKey.privateKey, relabelled);
    const chain = verifyChain(dir, oldKey.publicKey);
    assert.equal(chain.ok ? '' : chain.file, file(5));
    assert.match(chain.ok ? '' : chain.reason, new RegExp(`the rotation is not signed by the retiring key ${oldKey.keyId}`));
  });

  it('refuses a rotation from a key that is not trusted', () => {
    audit(0, oldKey.privateKey);
    audit(5, newKey.privateKey, rotationAt(5, strangerKey.privateKey, newKey.publicKey));
    const chain = verifyChain(dir, oldKey.publicKey);
    assert.match(chain.ok ? '' : chain.reason, new RegExp(`its key rotation comes from keyId ${strangerKey.keyId}, which is not trusted`));
  });

  it('refuses a report the retired key signs after the hand-over, and a rotation naming another key than the signer', () => {
    audit(0, oldKey.privateKey);
    audit(5, newKey.privateKey, rotationAt(5, oldKey.privateKey, newKey.publicKey));
    audit(10, oldKey.privateKey);
    const chain = verifyChain(dir, oldKey.publicKey);
    assert.equal(chain.ok ? '' : chain.file, file(10));
    assert.match(chain.ok ? '' : chain.reason, /after it was rotated out at 2026-11-27T03:05:00.000Z/);

    const bytes = audit(15, strangerKey.privateKey, rotationAt(15, oldKey.privateKey, newKey.publicKey));
    const verification = verifyTrusted(bytes, [oldKey.publicKey]);
    assert.match(verification.ok ? '' : verification.reason, /hands over to keyId [0-9a-f]{64}, but the report is signed by keyId/);
  });

  it('verifies one report carrying a rotation from a trusted key, as a chain would', () => {
    const bytes = audit(5, newKey.privateKey, rotationAt(5, oldKey.privateKey, newKey.publicKey));
    assert.equal(verifyTrusted(bytes, [oldKey.publicKey]).ok, true);
    assert.equal(verifyTrusted(bytes, [strangerKey.publicKey]).ok, false);
  });
});
