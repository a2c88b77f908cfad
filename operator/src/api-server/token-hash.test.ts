import assert from 'node:assert/strict';
import { findToken, generateToken, hashToken, tokenMatches, TokenRecordSchema, type TokenRecord } from './token-hash.js';

describe('API token hashing', function () {
  it('generates distinct high-entropy tokens with a recognisable prefix', function () {
    const a = generateToken();
    assert.match(a, /^bht_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, generateToken());
  });

  it('stores a SHA-256 hash that matches only its token', function () {
    const token = generateToken();
    const hash = hashToken(token);
    assert.match(hash, /^sha256:[0-9a-f]{64}$/);
    assert.ok(!hash.includes(token));
    assert.ok(tokenMatches(token, hash));
    assert.ok(!tokenMatches(`${token}x`, hash));
    assert.ok(!tokenMatches(token, 'sha256:short'));
  });

  it('finds the record of a token and refuses an expired one', function () {
    const token = generateToken();
    const now = new Date('2030-01-01T00:00:00Z');
    const records = new Map<string, TokenRecord>([
      ['other', { hash: hashToken(generateToken()), role: 'auditor', created: now.toISOString() }],
      ['ops', { hash: hashToken(token), role: 'sales-ops', created: now.toISOString() }],
    ]);
    assert.equal(findToken(token, records, now)?.name, 'ops');
    assert.equal(findToken(generateToken(), records, now), undefined);
    records.set('ops', { ...records.get('ops')!, expires: '2029-12-31T00:00:00Z' });
    assert.equal(findToken(token, records, now), undefined);
  });

  it('refuses a record with an unknown role', function () {
    assert.ok(!TokenRecordSchema.safeParse({ hash: hashToken('x'), role: 'root', created: new Date().toISOString() }).success);
  });
});
