import assert from 'node:assert/strict';
import { scramVerifier, verifierMatches } from './scram.js';

/** Made by PostgreSQL 15: CREATE ROLE ... PASSWORD 'correct horse battery staple', read from pg_authid. */
const postgresVerifier =
  'SCRAM-SHA-256$4096:yKajFV3ULt6IJwH+1GfoCw==$3XwK74Yex6Kerd5tmGDgm2XRTIYbto0UsjuFhmEnZa4=:OJSl95Ue2JB70Dvb9t7WexkjwqKk67By6/kU0goAbbM=';

describe('SCRAM-SHA-256 verifiers', () => {
  it('recognise the password of a verifier PostgreSQL made', () => {
    assert.equal(verifierMatches(postgresVerifier, 'correct horse battery staple'), true);
  });

  it('refuse any other password', () => {
    assert.equal(verifierMatches(postgresVerifier, 'correct horse battery stapler'), false);
    assert.equal(verifierMatches(postgresVerifier, ''), false);
  });

  it('treat a missing password, an md5 hash or garbage as not matching', () => {
    assert.equal(verifierMatches(null, 'anything'), false);
    assert.equal(verifierMatches(undefined, 'anything'), false);
    assert.equal(verifierMatches('md5a3556571e93b0d20722ba62be61e8c2d', 'anything'), false);
    assert.equal(verifierMatches('SCRAM-SHA-256$4096:bm90$c2hvcnQ=:c2hvcnQ=', 'anything'), false);
  });

  it('make verifiers in the form PostgreSQL stores, each with its own salt', () => {
    const first = scramVerifier('a password of ours');
    const second = scramVerifier('a password of ours');
    assert.match(first, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(first, second);
    assert.equal(verifierMatches(first, 'a password of ours'), true);
    assert.equal(verifierMatches(second, 'a password of ours'), true);
  });

  it("reproduce PostgreSQL's verifier exactly from the same salt and iterations", () => {
    const salt = Buffer.from('yKajFV3ULt6IJwH+1GfoCw==', 'base64');
    assert.equal(scramVerifier('correct horse battery staple', 4096, salt), postgresVerifier);
  });
});
