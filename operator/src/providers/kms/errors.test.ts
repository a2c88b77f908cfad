import assert from 'node:assert/strict';
import { KeyProviderUnavailable, KeyRequestRefused, classifyKmsError } from './errors.js';

function sdkError(name: string, httpStatusCode: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

describe('KMS errors', () => {
  it('call unreachable, throttled and failing KMS unavailable', () => {
    const cases = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      sdkError('ThrottlingException', 400, 'Rate exceeded'),
      sdkError('KMSInternalException', 500),
      sdkError('SyntaxError', 502, 'Unexpected token <'),
      sdkError('TimeoutError', 0),
    ];
    for (const error of cases) {
      const classified = classifyKmsError(error, 'creating the key');
      assert.ok(classified instanceof KeyProviderUnavailable, error.message);
      assert.equal(classified.reason, 'KeyProviderUnavailable');
    }
  });

  it('call refusals refused, naming the operation and the KMS error', () => {
    const classified = classifyKmsError(
      sdkError('AccessDeniedException', 400, 'User is not authorized'),
      'creating the key of tenant acme',
    );
    assert.ok(classified instanceof KeyRequestRefused);
    assert.equal(classified.kmsError, 'AccessDeniedException');
    assert.equal(
      classified.message,
      'creating the key of tenant acme: KMS refused the request: User is not authorized (AccessDeniedException)',
    );
  });

  it('keep the SDK error as their cause, for a debugger or a stack trace, while the message stays one line', () => {
    const sdk = sdkError('KMSInternalException', 500, 'internal\ndetail');
    const unavailable = classifyKmsError(sdk, 'creating the key');
    assert.equal(unavailable.cause, sdk);
    assert.equal(unavailable.message, 'creating the key: KMS is unavailable: internal (KMSInternalException)');
    const refused = sdkError('AccessDeniedException', 400);
    assert.equal(classifyKmsError(refused, 'creating the key').cause, refused);
  });
});
