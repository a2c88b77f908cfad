import assert from 'node:assert/strict';
import { DatabaseSpecInvalid } from './errors.js';
import { assertUsablePassword, generatePassword } from './password.js';

describe('database passwords', () => {
  it('are generated as 43 URL-safe characters (256 random bits)', () => {
    const password = generatePassword();
    assert.match(password, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(encodeURIComponent(password), password);
  });

  it('are never generated twice', () => {
    const passwords = new Set(Array.from({ length: 1000 }, () => generatePassword()));
    assert.equal(passwords.size, 1000);
  });

  it('are usable as generated', () => {
    assert.doesNotThrow(() => assertUsablePassword(generatePassword()));
  });

  it('are refused when short, non-ASCII or with spaces, without echoing them', () => {
    for (const bad of ['short', 'sixteen chars ok', 'päss-wörd-päss-wörd', `${'x'.repeat(20)}\n`]) {
      assert.throws(
        () => assertUsablePassword(bad),
        (error: Error) => error instanceof DatabaseSpecInvalid && !error.message.includes(bad),
      );
    }
  });
});
