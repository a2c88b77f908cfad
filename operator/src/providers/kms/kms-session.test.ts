import assert from 'node:assert/strict';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { createLogger } from '../../runtime/logging.js';
import { KeyProviderThrottled, KeyProviderUnavailable } from './errors.js';
import { KmsSession } from './kms-session.js';

describe('a paced KMS session', () => {
  it('turns a request whose turn is too far away into KeyProviderThrottled with the delay, without sending it', async () => {
    // Nothing listens on port 9: the one request that is sent fails to connect, the next is never sent.
    const endpoint = {
      region: 'eu-west-3',
      accountId: '123456789012',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    };
    const session = KmsSession.open(endpoint, {
      logger: createLogger({ level: 'error', name: 'test' }),
      maxAttempts: 1,
      pacing: { requestsPerSecond: { DescribeKey: 0.01 }, maxWaitMs: 1_000 },
    });
    try {
      const describe = (): Promise<unknown> =>
        session.call('describing alias/bulkhead/acme', (kms, options) =>
          kms.send(new DescribeKeyCommand({ KeyId: 'alias/bulkhead/acme' }), options),
        );
      const first = await describe().catch((error: unknown) => error);
      assert.ok(
        first instanceof KeyProviderUnavailable && !(first instanceof KeyProviderThrottled),
        `the first request went out: ${String(first)}`,
      );
      const second = await describe().catch((error: unknown) => error);
      assert.ok(second instanceof KeyProviderThrottled, `the second waits 100 s for its turn: ${String(second)}`);
      assert.equal(second.reason, 'KeyProviderThrottled');
      assert.ok(second.retryAfterMs > 90_000 && second.retryAfterMs <= 100_000, String(second.retryAfterMs));
      assert.match(
        second.message,
        /^describing alias\/bulkhead\/acme: the operator's budget for DescribeKey in eu-west-3 \(0\.01 requests\/s\)/,
      );
    } finally {
      session.close();
    }
  });
});
