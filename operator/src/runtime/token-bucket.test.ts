import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.js';

function bucketAt(rate: number, burst: number): { bucket: TokenBucket; advance: (ms: number) => void } {
  let time = 5_000;
  return {
    bucket: new TokenBucket({ rate, burst, now: () => time }),
    advance: (ms) => {
      time += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('starts full, lets the burst go at once and then one token per 1/rate seconds', () => {
    const { bucket, advance } = bucketAt(2, 3);
    for (let i = 0; i < 3; i++) assert.ok(bucket.tryTake());
    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.delay(), 500);
    advance(499);
    assert.equal(bucket.tryTake(), false);
    advance(1);
    assert.ok(bucket.tryTake());
  });

  it('never holds more than the burst, however long it was idle', () => {
    const { bucket, advance } = bucketAt(10, 2);
    bucket.take();
    advance(60_000);
    assert.equal(bucket.tokens(), 2);
    assert.equal(bucket.secondsUntilFull(), 0);
  });

  it('queues reservations: each one waits for the tokens owed before it', () => {
    const { bucket } = bucketAt(4, 1);
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 250, 500]);
    assert.equal(bucket.tokens(), -2);
    assert.equal(bucket.secondsUntilFull(), 0.75);
  });

  it('gives a reserved token back, but never above the burst', () => {
    const { bucket } = bucketAt(1, 1);
    bucket.reserve();
    bucket.giveBack();
    bucket.giveBack();
    assert.equal(bucket.tokens(), 1);
  });

  it('accrues at the rate in force: emptied and slowed, the next token takes longer', () => {
    const { bucket, advance } = bucketAt(10, 1);
    bucket.empty();
    bucket.rate = 2;
    assert.equal(bucket.delay(), 500);
    advance(500);
    assert.ok(bucket.tryTake());
  });
});
