import assert from 'node:assert/strict';
import { isUnreachable, UnreachableError } from './exit-codes.js';

const withCode = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('isUnreachable', () => {
  it('sees a refused or timed-out connection anywhere in the cause chain', () => {
    assert.equal(isUnreachable(withCode('ECONNREFUSED')), true);
    assert.equal(isUnreachable(new Error('GET /api/v1/secrets', { cause: withCode('ETIMEDOUT') })), true);
    assert.equal(isUnreachable(new AggregateError([withCode('EHOSTUNREACH')])), true);
    assert.equal(isUnreachable(new UnreachableError('no kubeconfig')), true);
  });

  it('does not take an answer that said no for an unreachable server', () => {
    assert.equal(isUnreachable(new Error('forbidden')), false);
    assert.equal(isUnreachable(withCode('ENOENT')), false);
    assert.equal(isUnreachable('ECONNREFUSED'), false);
  });
});
