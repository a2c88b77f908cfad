import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ApiProblem } from './problems.js';

describe('the list cursor', function () {
  it('round-trips', function () {
    assert.deepEqual(decodeCursor(encodeCursor({ c: 'abc', after: 'acme' })), { c: 'abc', after: 'acme' });
    assert.deepEqual(decodeCursor(undefined), {});
  });

  it('refuses a forged or garbled cursor with 400', function () {
    for (const text of ['not-base64!', encodeCursor({ c: 'x' }).slice(2), Buffer.from('{"admin":true}').toString('base64url')]) {
      assert.throws(
        () => decodeCursor(text),
        (error) => error instanceof ApiProblem && error.init.status === 400,
        text,
      );
    }
  });
});
