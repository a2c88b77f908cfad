/**
 * The exit codes of every `bulkhead` command, in one place (docs/cli.md lists them too). Scripts
 * and CI jobs branch on them, so a code never changes meaning.
 */
export const ExitCode = {
  /** Done; for a check, nothing was found. */
  ok: 0,
  /** A check found something or failed (an audit finding, a signature or chain that does not verify), or the command failed. */
  failed: 1,
  /** Bad usage: an unknown command or flag, a bad flag value, flags that do not go together. Nothing was done. */
  usage: 2,
  /** The cluster (or the database a command connects to) cannot be reached: no kubeconfig, a bad context, refused, timed out. */
  unreachable: 3,
} as const;

/** Flags that are each valid but not together; reported like the parser's own errors, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The cluster or database a command needs cannot be reached (or is not configured); exit 3. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

// By name, not instanceof: a command's module is imported lazily, and a test runner may load it twice.
export const isUsageError = (error: unknown): error is UsageError => error instanceof Error && error.name === 'UsageError';

/** Socket and TLS failures that mean "never got an answer", as opposed to an answer that said no. */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Whether `error`, or any error in its cause chain, says the server was never reached. */
export function isUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
    if (current.name === 'UnreachableError') return true;
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined && unreachableCodes.has(code)) return true;
    if (current instanceof AggregateError && current.errors.some(isUnreachable)) return true;
  }
  return false;
}

/** The runtime's one helper (runtime/errors.ts), re-exported for the commands that import their error tools from here. */
export { errorMessage } from '../runtime/errors.js';
