/**
 * Crash injection for tests of crash safety. Code that makes an externally visible change (a
 * database role, a KMS key) calls crashPoint('<area>.after-<step>') right after it; a test runs the
 * code in a child process with BULKHEAD_CRASH_AT=<that name> and watches the process die there,
 * exactly as a real crash would (SIGKILL: no finally blocks, no exit handlers, no flushed buffers),
 * then checks that the next run converges. Unset, a crash point costs one environment lookup.
 */

/** The environment variable naming the crash point at which the process kills itself. */
export const crashAtVariable = 'BULKHEAD_CRASH_AT';

/** Kills the process at once with SIGKILL when BULKHEAD_CRASH_AT names this point. */
export function crashPoint(name: string): void {
  if (process.env[crashAtVariable] !== name) return;
  process.kill(process.pid, 'SIGKILL');
}
