import assert from 'node:assert/strict';
import { errorMessage } from './errors.js';

describe('errorMessage', () => {
  it('is the message of an Error, a string as it is, or the message of an error-like object', () => {
    assert.equal(errorMessage(new TypeError('bad type')), 'bad type');
    assert.equal(errorMessage('plain'), 'plain');
    assert.equal(errorMessage({ message: 'from an SDK' }), 'from an SDK');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(undefined), 'undefined');
    assert.equal(errorMessage(null), 'null');
  });

  it('never serialises an arbitrary thrown object, which could hold Secret data', () => {
    assert.equal(errorMessage({ data: { password: 'hunter2' } }), '[object Object]');
    assert.equal(errorMessage(Object.assign(Object.create(null) as object, { password: 'hunter2' })), '[object Object]');
  });

  it('does not follow the cause into the message', () => {
    assert.equal(errorMessage(new Error('cannot read the report', { cause: new Error('EACCES') })), 'cannot read the report');
  });
});
