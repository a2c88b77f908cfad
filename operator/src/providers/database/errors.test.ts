import assert from 'node:assert/strict';
import { DatabaseOperationFailed, DatabaseUnavailable, classifyDatabaseError } from './errors.js';

describe('database errors', () => {
  it('call an unreachable or overloaded server unavailable', () => {
    const cases = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      Object.assign(new Error('password authentication failed for user "postgres"'), { code: '28P01' }),
    ];
    for (const error of cases) assert.ok(classifyDatabaseError(error, 'reading') instanceof DatabaseUnavailable, error.message);
  });

  it('call other refusals failed operations and keep their SQLSTATE', () => {
    const error = classifyDatabaseError(
      Object.assign(new Error('permission denied to create role'), { code: '42501' }),
      'creating the tenant role',
    );
    assert.ok(error instanceof DatabaseOperationFailed);
    assert.equal(error.sqlState, '42501');
    assert.equal(error.reason, 'DatabaseOperationFailed');
    assert.equal(error.message, 'creating the tenant role failed: permission denied to create role (42501)');
  });

  it("cut secrets out of the server's message and keep no cause", () => {
    const error = classifyDatabaseError(new Error('invalid value "hunter2-hunter2" near SCRAM-SHA-256$v'), 'setting', [
      'hunter2-hunter2',
      'SCRAM-SHA-256$v',
    ]);
    assert.doesNotMatch(error.message, /hunter2|SCRAM/);
    assert.equal(error.cause, undefined);
  });
});
