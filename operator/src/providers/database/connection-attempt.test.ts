import assert from 'node:assert/strict';
import { classifyAttempt } from './connection-attempt.js';

describe('classifying a login attempt', () => {
  it("calls the server's authorization errors refused, keeping the SQLSTATE", () => {
    for (const code of ['42501', '28000', '28P01']) {
      assert.deepEqual(classifyAttempt({ code, message: 'no' }, 'pw'), { outcome: 'refused', sqlState: code, message: 'no' });
    }
  });

  it('tells a missing database and an unreachable server apart from a refusal', () => {
    assert.equal(classifyAttempt({ code: '3D000', message: 'database "x" does not exist' }, 'pw').outcome, 'missing');
    assert.equal(classifyAttempt({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'pw').outcome, 'unreachable');
    assert.equal(classifyAttempt({ code: '53300', message: 'too many connections' }, 'pw').outcome, 'unreachable');
  });

  it('never keeps the password in the message', () => {
    const attempt = classifyAttempt({ code: '28P01', message: 'password authentication failed for s3cret-pw' }, 's3cret-pw');
    assert.ok(!attempt.message?.includes('s3cret-pw'));
  });
});
