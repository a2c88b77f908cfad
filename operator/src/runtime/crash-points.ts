/**
 * Crash injection for tests of crash safety. Code that makes an externally visible change (a
 * database role, a KMS key) calls crashPoint('<area>.after-<step>') right after it; a test runs the
 * code in a child process with BULKHEAD_CRASH_AT=<that name> and watches the process die there,
 * exactly as a real crash would (SIGKILL: no finally blocks, no exit handlers, no flushed buffers),
 * then checks that the next run converges. Unset, a crash point costs one environment lookup.
 * Pause points are the same for a process that freezes instead (a long GC, a stopped VM) and
 * wakes up later believing it still leads: the leadership fence's test (docs/decisions/0016).
 */

/** The environment variable naming the crash point at which the process kills itself. */
export const crashAtVariable = 'BULKHEAD_CRASH_AT';

/** Kills the process at once with SIGKILL when BULKHEAD_CRASH_AT names this point. */
export function crashPoint(name: string): void {
  if (process.env[crashAtVariable] !== name) return;
  process.kill(process.pid, 'SIGKILL');
}

/** The environment variable naming the pause point at which the process stops itself, once. */
export const pauseAtVariable = 'BULKHEAD_PAUSE_AT';

const pausedAt = new Set<string>();

/**
 * Stops the process with SIGSTOP the first time it reaches the point BULKHEAD_PAUSE_AT names. The
 * test resumes it with SIGCONT; it then carries on from here before any timer of its runs, so its
 * leadership signal has not aborted yet, exactly as after a real freeze.
 */
export function pausePoint(name: string): void {
  if (process.env[pauseAtVariable] !== name || pausedAt.has(name)) return;
  pausedAt.add(name);
  process.kill(process.pid, 'SIGSTOP');
}
