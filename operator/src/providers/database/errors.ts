/**
 * The errors the database provider throws. Each carries a CamelCase `reason` the tenant controller
 * can put on the DatabaseReady condition as is, and a message a platform engineer can act on.
 * Messages never carry passwords or SQL: PostgreSQL's own message is passed through `scrub` first,
 * and the driver's error is not kept as `cause`.
 */

/** The base of every error the database provider throws on purpose. */
export class DatabaseProviderError extends Error {
  /** The SQLSTATE of the server's error, when the server gave one. */
  sqlState: string | undefined;

  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The server cannot be used right now: unreachable, refusing connections, out of connection slots,
 * shutting down, too slow (a timeout) or refusing the admin credentials. Retrying later may work.
 */
export class DatabaseUnavailable extends DatabaseProviderError {
  constructor(message: string) {
    super('DatabaseUnavailable', message);
  }
}

/**
 * A database or role of the tenant's name exists but belongs to another tenant (another UID), most
 * often data retained from a deleted tenant of the same name. Bulkhead never hands it over.
 */
export class DatabaseOwnedByAnotherTenant extends DatabaseProviderError {
  constructor(message: string) {
    super('DatabaseOwnedByAnotherTenant', message);
  }
}

/** A role or database name, password or connection limit the provider refuses to use. */
export class DatabaseSpecInvalid extends DatabaseProviderError {
  constructor(message: string) {
    super('DatabaseSpecInvalid', message);
  }
}

/** pg_dump or pg_restore failed, or the dump could not be verified; nothing was dropped. */
export class DatabaseSnapshotFailed extends DatabaseProviderError {
  constructor(message: string) {
    super('DatabaseSnapshotFailed', message);
  }
}

/** The server refused a statement for a reason retrying will not fix (permissions, dependencies). */
export class DatabaseOperationFailed extends DatabaseProviderError {
  constructor(message: string) {
    super('DatabaseOperationFailed', message);
  }
}

/** The call was stopped by its signal (the reconcile ended, leadership was lost); the server was asked to cancel it. */
export class DatabaseOperationAborted extends DatabaseProviderError {
  constructor(message: string) {
    super('DatabaseOperationAborted', message);
  }
}

/**
 * SQLSTATEs meaning "the server is not usable now" rather than "you asked wrong": connection
 * exceptions (08), insufficient resources (53, e.g. too many connections), shutdown and startup
 * (57P01-03), statement_timeout (57014) and refused admin credentials (28).
 */
const unavailableStates = ['08', '53', '57P01', '57P02', '57P03', '57014', '28P01', '28000'];
const unavailableNodeCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'];
const unavailableMessages = [/timeout exceeded when trying to connect/i, /connection terminated/i];

interface ErrorShape {
  code?: unknown;
  message?: unknown;
}

/** Whether an error from `pg` means the server is unreachable or unusable for now. */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as ErrorShape;
  if (typeof code === 'string') {
    if (unavailableNodeCodes.includes(code)) return true;
    if (unavailableStates.some((state) => code.startsWith(state))) return true;
  }
  return typeof message === 'string' && unavailableMessages.some((pattern) => pattern.test(message));
}

/**
 * An error from `pg` as a DatabaseProviderError naming the operation that failed. Any of `secrets`
 * (passwords, verifiers) is cut out of the server's message, and the original error is not kept
 * as `cause`, so that nothing secret can reach a log or a condition through it.
 */
export function classifyDatabaseError(error: unknown, operation: string, secrets: readonly string[] = []): DatabaseProviderError {
  if (error instanceof DatabaseProviderError) return error;
  const { code, message } = (error ?? {}) as ErrorShape;
  const detail = scrub(typeof message === 'string' ? message : String(error), secrets);
  const state = typeof code === 'string' ? ` (${code})` : '';
  const classified = isUnavailable(error)
    ? new DatabaseUnavailable(`${operation}: the PostgreSQL server is unavailable: ${detail}${state}`)
    : new DatabaseOperationFailed(`${operation} failed: ${detail}${state}`);
  classified.sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return classified;
}

/** `text` with every occurrence of each secret replaced by [REDACTED]. */
export function scrub(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length > 0) scrubbed = scrubbed.replaceAll(secret, '[REDACTED]');
  }
  return scrubbed;
}
