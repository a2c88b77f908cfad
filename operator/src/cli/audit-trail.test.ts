import assert from 'node:assert/strict';
import type { VerifyResult } from '../api-server/audit-trail/verify.js';
import { formatResult } from './audit-trail.js';

const head = 'b'.repeat(64);
const expected = 'a'.repeat(64);
const sound: VerifyResult = { verified: 12, headId: 12, headHash: head, broken: undefined };

describe('bulkhead audit-trail verify output', function () {
  it('prints the head to record, and where the expected head was found', function () {
    assert.equal(formatResult(sound, 'text'), `Audit trail intact: verified 12 records; head is record 12 with hash ${head}\n`);
    assert.equal(
      formatResult({ ...sound, expectedHead: { hash: expected, foundAt: 9 } }, 'text'),
      `Audit trail intact: verified 12 records; head is record 12 with hash ${head}\nThe expected head is record 9; 3 records follow it\n`,
    );
  });

  it('says BROKEN when the expected head is gone, still printing the current head', function () {
    const missing = { ...sound, expectedHead: { hash: expected, foundAt: null } };
    const text = formatResult(missing, 'text');
    assert.match(
      text,
      new RegExp(`^Audit trail BROKEN: the expected head ${expected} is not in the chain: the records up to it were deleted`),
    );
    assert.match(text, new RegExp(`head is record 12 with hash ${head}`));
    assert.deepEqual(JSON.parse(formatResult(missing, 'json')), {
      intact: false,
      verified: 12,
      headId: 12,
      headHash: head,
      expectedHead: { hash: expected, foundAt: null },
    });
  });
});
