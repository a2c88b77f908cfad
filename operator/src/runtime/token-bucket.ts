/**
 * One token bucket, the arithmetic every limiter here shares (the work queue's global retry limit,
 * the provider pacer, the onboarding API's per-replica fallback): tokens accrue at `rate` per
 * second up to `burst`; a taken token may leave the count below zero, each missing token being a
 * reservation that waits its turn (golang.org/x/time/rate's Reserve). Time comes from `now`, so
 * tests need no real clock. The rate may change between looks (the pacer slows down after a
 * throttle); tokens accrue at the rate in force when they are looked at.
 */
export interface TokenBucketSettings {
  /** Tokens per second. */
  rate: number;
  /** The most tokens the bucket holds, and what it starts with. */
  burst: number;
  /** Clock in ms. */
  now: () => number;
}

export class TokenBucket {
  rate: number;
  readonly burst: number;
  private readonly now: () => number;
  private count: number;
  private last: number;

  constructor(options: TokenBucketSettings) {
    this.rate = options.rate;
    this.burst = options.burst;
    this.now = options.now;
    this.count = options.burst;
    this.last = options.now();
  }

  /** Accrues the tokens earned since the last look; returns how many ms that was. */
  refill(): number {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.count = Math.min(this.burst, this.count + (elapsed / 1000) * this.rate);
    return elapsed;
  }

  /** Tokens in the bucket now; below zero when reservations are owed. */
  tokens(): number {
    this.refill();
    return this.count;
  }

  /** How long until one whole token is there, in ms (0 when one is there now). */
  delay(): number {
    this.refill();
    return this.count >= 1 ? 0 : ((1 - this.count) / this.rate) * 1000;
  }

  /** Takes a token whether or not it has accrued: the caller is expected to wait delay() first. */
  take(): void {
    this.refill();
    this.count -= 1;
  }

  /** Takes a token and returns how long its holder must wait for it, in ms. */
  reserve(): number {
    const delay = this.delay();
    this.count -= 1;
    return delay;
  }

  /** Takes a token only if a whole one is there now. */
  tryTake(): boolean {
    if (this.delay() > 0) return false;
    this.count -= 1;
    return true;
  }

  /** Returns a reserved token that was not used. */
  giveBack(): void {
    this.count = Math.min(this.burst, this.count + 1);
  }

  /** Drops every token and every reservation: the next token accrues from zero. */
  empty(): void {
    this.refill();
    this.count = 0;
  }

  /** Seconds until the bucket is full again (0 when it is). */
  secondsUntilFull(): number {
    this.refill();
    return (this.burst - this.count) / this.rate;
  }
}
