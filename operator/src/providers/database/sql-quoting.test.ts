import assert from 'node:assert/strict';
import { DatabaseSpecInvalid } from './errors.js';
import { quoteIdentifier, quoteLiteral } from './sql-quoting.js';

describe('SQL quoting', () => {
  describe('identifiers', () => {
    it('are always double-quoted, so case and keywords survive', () => {
      assert.equal(quoteIdentifier('tenant_acme'), '"tenant_acme"');
      assert.equal(quoteIdentifier('Select'), '"Select"');
    });

    it('double embedded double quotes, so a name cannot end the identifier early', () => {
      assert.equal(quoteIdentifier('a"; DROP DATABASE postgres; --'), '"a""; DROP DATABASE postgres; --"');
      assert.equal(quoteIdentifier('"'), '""""');
    });

    it('keep quotes, semicolons, backslashes, spaces and unicode as they are', () => {
      assert.equal(quoteIdentifier("o'brien; \\x tenant"), '"o\'brien; \\x tenant"');
      assert.equal(quoteIdentifier('tenant_zürich_東京'), '"tenant_zürich_東京"');
    });

    it('accept 63 bytes and refuse 64, rather than let PostgreSQL truncate two names into one', () => {
      assert.equal(quoteIdentifier('a'.repeat(63)), `"${'a'.repeat(63)}"`);
      assert.throws(() => quoteIdentifier('a'.repeat(64)), DatabaseSpecInvalid);
      // 21 three-byte characters are 63 bytes; one more is 66.
      assert.equal(quoteIdentifier('東'.repeat(21)).length, 23);
      assert.throws(() => quoteIdentifier('東'.repeat(22)), /1 to 63 bytes of UTF-8, not 66/);
    });

    it('refuse an empty name, a NUL and a lone surrogate', () => {
      assert.throws(() => quoteIdentifier(''), DatabaseSpecInvalid);
      assert.throws(() => quoteIdentifier('a\0b'), /NUL/);
      assert.throws(() => quoteIdentifier('a\uD800b'), /well-formed Unicode/);
    });
  });

  describe('literals', () => {
    it('are single-quoted with embedded single quotes doubled', () => {
      assert.equal(quoteLiteral('plain'), "'plain'");
      assert.equal(quoteLiteral("it's'; DROP ROLE x; --"), "'it''s''; DROP ROLE x; --'");
    });

    it("double backslashes under E'', so they mean the same with standard_conforming_strings off", () => {
      assert.equal(quoteLiteral('a\\b'), "E'a\\\\b'");
      assert.equal(quoteLiteral("\\'"), "E'\\\\'''");
    });

    it('refuse a NUL', () => {
      assert.throws(() => quoteLiteral('a\0'), DatabaseSpecInvalid);
    });
  });
});
