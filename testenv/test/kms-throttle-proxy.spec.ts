/**
 * The throttling proxy in front of the KMS emulator answers as AWS KMS does when a quota is
 * exceeded: the AWS SDK sees a ThrottlingException, and nothing beyond the rate reaches moto.
 */
import assert from 'node:assert/strict';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { KmsThrottleProxy, testEnvironment } from '../src/index.js';

describe('the KMS throttling proxy', function () {
  let proxy: KmsThrottleProxy;
  let kms: KMSClient;

  before(async function () {
    proxy = await KmsThrottleProxy.start(testEnvironment().kms.endpoint, { requestsPerSecond: 2 });
    kms = new KMSClient({
      region: 'eu-central-1',
      endpoint: proxy.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });

  after(async function () {
    kms.destroy();
    await proxy.close();
  });

  it('answers ThrottlingException above its rate, per operation and region, and lets reads through', async function () {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => kms.send(new CreateKeyCommand({ Description: 'throttle-proxy check' }))),
    );
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.KeyMetadata?.KeyId ?? ''] : []));
    const refused = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason as unknown] : []));
    assert.equal(created.length, 2, 'a full bucket holds one second of the rate');
    assert.equal(refused.length, 3);
    for (const error of refused) {
      const { name, message, $metadata } = error as { name: string; message: string; $metadata: { httpStatusCode: number } };
      assert.deepEqual(
        { name, message, status: $metadata.httpStatusCode },
        { name: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
      );
    }
    // Reads are not throttled, and the keys that went through are real keys in moto.
    for (const keyId of created) assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyId, keyId);
    assert.deepEqual(proxy.counts().CreateKey, { forwarded: 2, throttled: 3 });
    assert.equal(proxy.requests.find((r) => r.operation === 'CreateKey')?.region, 'eu-central-1');
  });
});
