import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptFile, encryptFile } from './envelope.js';

describe('the archive envelope', () => {
  let dir: string;
  const dataKey = randomBytes(32);
  // Larger than one stream chunk (64 KiB), so the streaming path is what is tested.
  const plaintext = randomBytes(300_000);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulkhead-envelope-'));
    await writeFile(join(dir, 'plain'), plaintext);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('round-trips an archive and reports the sizes and SHA-256 of both sides', async () => {
    const sealed = await encryptFile(join(dir, 'plain'), join(dir, 'sealed'), dataKey);
    const ciphertext = await readFile(join(dir, 'sealed'));
    assert.equal(sealed.plaintext.size, plaintext.length);
    assert.equal(sealed.plaintext.sha256, createHash('sha256').update(plaintext).digest('hex'));
    assert.equal(sealed.ciphertext.size, ciphertext.length);
    assert.equal(sealed.ciphertext.sha256, createHash('sha256').update(ciphertext).digest('hex'));
    assert.notDeepEqual(ciphertext.subarray(0, 64), plaintext.subarray(0, 64));
    assert.equal((await stat(join(dir, 'sealed'))).mode & 0o777, 0o600);

    const opened = await decryptFile(join(dir, 'sealed'), join(dir, 'opened'), dataKey, sealed);
    assert.deepEqual(await readFile(join(dir, 'opened')), plaintext);
    assert.deepEqual(opened, { ciphertext: sealed.ciphertext, plaintext: sealed.plaintext });
  });

  it('uses a fresh IV each time, so one key never seals two archives alike', async () => {
    const first = await encryptFile(join(dir, 'plain'), join(dir, 'one'), dataKey);
    const second = await encryptFile(join(dir, 'plain'), join(dir, 'two'), dataKey);
    assert.notDeepEqual(first.iv, second.iv);
    assert.notEqual(first.ciphertext.sha256, second.ciphertext.sha256);
  });

  it('refuses a flipped bit, a wrong key and a wrong tag', async () => {
    const sealed = await encryptFile(join(dir, 'plain'), join(dir, 'sealed'), dataKey);
    const tampered = await readFile(join(dir, 'sealed'));
    tampered[1000] = (tampered[1000] ?? 0) ^ 1;
    await writeFile(join(dir, 'tampered'), tampered);
    await assert.rejects(decryptFile(join(dir, 'tampered'), join(dir, 'a'), dataKey, sealed), /unable to authenticate/);
    await assert.rejects(decryptFile(join(dir, 'sealed'), join(dir, 'b'), randomBytes(32), sealed), /unable to authenticate/);
    const wrongTag = { iv: sealed.iv, authTag: randomBytes(16) };
    await assert.rejects(decryptFile(join(dir, 'sealed'), join(dir, 'c'), dataKey, wrongTag), /unable to authenticate/);
  });

  it('refuses a data key that is not 256 bits', async () => {
    await assert.rejects(encryptFile(join(dir, 'plain'), join(dir, 'x'), randomBytes(16)), /must be 32 bytes \(AES-256\), got 16/);
  });
});
