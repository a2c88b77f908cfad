/** Helpers for the runtime's own unit tests (not used by the operator). */

/** Retries `check` until it stops throwing, for up to `timeoutMs` (default two seconds). */
export async function eventually(check: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
