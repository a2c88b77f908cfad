/**
 * The errors the KMS provider throws. Each carries a CamelCase `reason` the tenant controller can
 * put on the EncryptionKeyReady condition as is, and a message that names the operation and why
 * it failed, in words a platform engineer can act on.
 */

/** The base of every error the KMS provider throws on purpose. */
export class KeyProviderError extends Error {
  /** The KMS error name (e.g. AccessDeniedException), when KMS answered. */
  kmsError: string | undefined;

  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** KMS cannot be reached, is throttling, or failed on its side; retrying later may work. */
export class KeyProviderUnavailable extends KeyProviderError {
  constructor(message: string, reason = 'KeyProviderUnavailable', options?: ErrorOptions) {
    super(reason, message, options);
  }
}

/**
 * KMS answered ThrottlingException, or the operator's own budget for the region has no turn soon
 * enough: retry after `retryAfterMs`, not before. A KeyProviderUnavailable, so code that only
 * knows "retry later" treats it so.
 */
export class KeyProviderThrottled extends KeyProviderUnavailable {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, 'KeyProviderThrottled', options);
    this.kmsError = 'ThrottlingException';
  }
}

/** The tenant's region has no KMS endpoint in the operator's configuration. */
export class KeyRegionNotConfigured extends KeyProviderError {
  constructor(message: string) {
    super('KeyRegionNotConfigured', message);
  }
}

/** An alias, principal or pending window the provider refuses to use. */
export class KeySpecInvalid extends KeyProviderError {
  constructor(message: string) {
    super('KeySpecInvalid', message);
  }
}

/** KMS refused the request for a reason retrying will not fix (permissions, a malformed policy, limits). */
export class KeyRequestRefused extends KeyProviderError {
  constructor(message: string, options?: ErrorOptions) {
    super('KeyRequestRefused', message, options);
  }
}

const unavailableErrorNames = [
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
];
const unavailableNodeCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'];

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an error from the SDK means KMS is unreachable, throttling or failing on its side. */
export function isUnavailable(error: unknown): boolean {
  const { name, code, $metadata } = (error ?? {}) as SdkErrorShape;
  if (typeof name === 'string' && unavailableErrorNames.includes(name)) return true;
  if (typeof code === 'string' && unavailableNodeCodes.includes(code)) return true;
  return ($metadata?.httpStatusCode ?? 0) >= 500;
}

/** The KMS error name of an SDK error (NotFoundException, ...), if it has one. */
export function kmsErrorName(error: unknown): string | undefined {
  const { name } = (error ?? {}) as SdkErrorShape;
  return typeof name === 'string' ? name : undefined;
}

/** An SDK error as a KeyProviderError naming the operation that failed, the SDK error kept as its cause. */
export function classifyKmsError(error: unknown, operation: string): KeyProviderError {
  if (error instanceof KeyProviderError) return error;
  const { message, code } = (error ?? {}) as SdkErrorShape;
  const name = kmsErrorName(error);
  const detail = typeof message === 'string' && message.length > 0 ? message.split('\n')[0] : String(error);
  const label = typeof code === 'string' ? code : name;
  const classified = isUnavailable(error)
    ? new KeyProviderUnavailable(`${operation}: KMS is unavailable: ${detail} (${label})`, undefined, { cause: error })
    : new KeyRequestRefused(`${operation}: KMS refused the request: ${detail} (${label})`, { cause: error });
  classified.kmsError = name;
  return classified;
}
