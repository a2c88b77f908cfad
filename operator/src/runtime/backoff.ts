/**
 * Jittered exponential backoff for reconnect loops (the informer's list and watch), an abortable
 * sleep, and a timeout for calls that must not outlast a deadline. Per-key retry delays for the work queue live in rate-limiter.ts instead.
 */

export interface BackoffOptions {
  /** First delay; default 200 ms. */
  initialMs?: number;
  /** Largest delay; default 30 s. */
  maxMs?: number;
  /** Each delay is drawn from [delay × (1 − jitter), delay]; default 0.5. */
  jitter?: number;
  /** Source of randomness in [0, 1); tests pass a constant. */
  random?: () => number;
}

/** Doubles on every call to next() up to a cap; reset() starts over after a healthy period. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 200;
    this.maxMs = options.maxMs ?? 30_000;
    this.jitter = options.jitter ?? 0.5;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt. */
  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.attempts);
    this.attempts += 1;
    // Jitter downwards so the cap stays a true bound while clients still spread out.
    return delay * (1 - this.jitter * this.random());
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts; never rejects and leaves no timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** The promise's value, or `fallback` if it takes longer than `ms`. */
export async function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
