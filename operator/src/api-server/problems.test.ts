import assert from 'node:assert/strict';
import { z } from 'zod';
import { fieldErrorsFromZod, problemBody, validationProblem } from './problems.js';

describe('problem details', function () {
  it('carries type, title, status, detail and errors', function () {
    const body = problemBody(validationProblem([{ field: 'plan', rule: 'exists' }]).init, '/v1/tenants');
    assert.equal(body.type, 'https://bulkhead.dev/problems/validation-failed');
    assert.equal(body.status, 422);
    assert.equal(body.instance, '/v1/tenants');
    assert.deepEqual(body.errors, [{ field: 'plan', rule: 'exists' }]);
  });

  it('names each unknown key as its own field', function () {
    const result = z.strictObject({ spec: z.strictObject({ a: z.string() }) }).safeParse({ spec: { a: 'x', b: 1, c: 2 } });
    assert.ok(!result.success);
    assert.deepEqual(
      fieldErrorsFromZod(result.error).map((e) => [e.field, e.rule]),
      [
        ['spec.b', 'unrecognized_keys'],
        ['spec.c', 'unrecognized_keys'],
      ],
    );
  });

  it('names a wrong type with its path and prefix', function () {
    const result = z.object({ owners: z.array(z.object({ name: z.string() })) }).safeParse({ owners: [{ name: 3 }] });
    assert.ok(!result.success);
    assert.deepEqual(
      fieldErrorsFromZod(result.error, 'body').map((e) => [e.field, e.rule]),
      [['body.owners.0.name', 'invalid_type']],
    );
  });
});
