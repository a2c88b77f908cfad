import assert from 'node:assert/strict';
import { ApiServerConfigSchema } from '../server.js';

function issues(input: unknown): string[] {
  const result = ApiServerConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('the auditTrail setting', function () {
  it('is required, naming the environment variable and the way to turn it off', function () {
    const [problem] = issues({});
    assert.match(problem ?? '', /^auditTrail: required: set BULKHEAD_AUDIT_TRAIL_URL .*auditTrail.disabled: true/);
  });

  it('accepts a postgres URL or an explicit disabled: true', function () {
    assert.deepEqual(issues({ auditTrail: { url: 'postgres://api:pw@127.0.0.1:5432/audit' } }), []);
    assert.deepEqual(issues({ auditTrail: { url: 'postgresql://api@db.internal/audit' } }), []);
    assert.deepEqual(issues({ auditTrail: { disabled: true } }), []);
  });

  it('refuses a bad URL naming the field, without echoing the URL (it holds a password)', function () {
    for (const url of ['http://api:s3cret@host/audit', 'postgres://api:s3cret@host', 'not a url s3cret']) {
      const found = issues({ auditTrail: { url } });
      assert.equal(found.length, 1, url);
      assert.match(found[0] ?? '', /^auditTrail\.url: must be a postgres:\/\//);
      assert.doesNotMatch(found.join(), /s3cret/);
    }
  });

  it('refuses disabled: false, both settings at once, neither, and unknown fields', function () {
    assert.match(issues({ auditTrail: { disabled: false } }).join(), /auditTrail\.disabled: may only be true/);
    assert.match(issues({ auditTrail: { disabled: true, url: 'postgres://h/d' } }).join(), /auditTrail\.disabled: cannot be set together/);
    assert.match(issues({ auditTrail: {} }).join(), /auditTrail\.url: required unless/);
    assert.match(issues({ auditTrail: { url: 'postgres://h/d', table: 'x' } }).join(), /auditTrail: Unrecognized key.*table/);
  });
});
