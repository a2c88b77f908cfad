/**
 * Waiting for the cluster by asking it: `eventually` polls a probe until it yields a value, and
 * fails with a message naming what never became true (and the probe's last error). Every wait in
 * the harness, the demo, the benchmarks and the specs goes through it, never through a one-shot
 * `kubectl wait`, which gives up on an object whose status is not written yet.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves with the first value of `probe` that is neither undefined nor false; a throw counts as "not yet". */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message.trim().split('\n')[0]})` : '';
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}
