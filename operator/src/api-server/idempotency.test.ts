import assert from 'node:assert/strict';
import { canonicalJson, idempotencyRecordId, InFlightRequests, parseIdempotencyKey, requestHash } from './idempotency.js';
import { ApiProblem } from './problems.js';

function statusOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ApiProblem ? error.init.status : -1;
  }
}

describe('idempotency keys', function () {
  it('accepts a structured-field string or a bare token, refuses a missing or odd key', function () {
    assert.equal(parseIdempotencyKey('"8e03978e-40d5"'), '8e03978e-40d5');
    assert.equal(parseIdempotencyKey('abc'), 'abc');
    assert.equal(
      statusOf(() => parseIdempotencyKey(undefined)),
      400,
    );
    assert.equal(
      statusOf(() => parseIdempotencyKey('a b')),
      400,
    );
    assert.equal(
      statusOf(() => parseIdempotencyKey('x'.repeat(256))),
      400,
    );
  });

  it('hashes bodies independently of key order', function () {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
    assert.equal(requestHash({ a: 1, b: 2 }), requestHash({ b: 2, a: 1 }));
    assert.notEqual(requestHash({ a: 1 }), requestHash({ a: 2 }));
  });

  it('keeps callers apart and fits a label value', function () {
    const id = idempotencyRecordId('token:a', 'k');
    assert.match(id, /^[0-9a-f]{60}$/);
    assert.notEqual(id, idempotencyRecordId('token:b', 'k'));
  });

  it('answers 409 while the first request runs', function () {
    const inFlight = new InFlightRequests();
    inFlight.begin('r');
    assert.equal(
      statusOf(() => inFlight.begin('r')),
      409,
    );
    inFlight.end('r');
    assert.equal(
      statusOf(() => inFlight.begin('r')),
      undefined,
    );
  });
});
