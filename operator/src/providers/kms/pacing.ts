/**
 * How fast the provider may call one region's KMS. AWS KMS gives each account and region a quota
 * per API operation (docs/decisions/0025): about 5 requests/s for every operation that changes a
 * key or alias, more for reads. One Pacer per account, region and endpoint, kept in a registry of
 * the process, so the tenant controller's workers and the audit's inspector share the budget; the
 * audit's pass, in a process of its own, takes its turns at the operator's pacers (pacersElsewhere).
 * The SDK is told not to retry a ThrottlingException itself: the pacer slows down instead, and
 * the tenant is requeued after the pacer's delay (KeyProviderThrottled), so a throttle never
 * becomes three more requests at once.
 */
import type { KMSClientConfig } from '@aws-sdk/client-kms';
import { kmsRequestsPerSecondDefaults } from '../../api/operator-config.js';
import { Pacer, type PacerMetrics, type Turns } from '../../runtime/pacer.js';

/** AWS KMS request quotas, requests per second per account and region (docs/decisions/0025). */
export const defaultKmsRequestsPerSecond = kmsRequestsPerSecondDefaults;

export type KmsOperation = keyof typeof defaultKmsRequestsPerSecond;
export const kmsOperations = Object.keys(defaultKmsRequestsPerSecond) as KmsOperation[];

export interface KmsPacingOptions {
  /** Budget per operation; operations left out keep their default. */
  requestsPerSecond?: Partial<Record<KmsOperation, number>>;
  burst?: number;
  maxWaitMs?: number;
  slowdown?: number;
  recoveryMs?: number;
}

/** The operation a command object sends ("CreateKeyCommand" → "CreateKey"). */
export function operationOf(command: object): string {
  return command.constructor.name.replace(/Command$/, '');
}

const pacers = new Map<string, Pacer>();

/**
 * The pacer of one account's KMS in one region (and at one endpoint), created with `options` the
 * first time it is asked for; every later caller shares it, whatever options it passes.
 */
export function kmsPacer(
  scope: { accountId: string; region: string; endpoint?: string },
  options: KmsPacingOptions,
  metrics?: (region: string) => PacerMetrics,
): Pacer {
  const key = kmsPacerKey(scope);
  let pacer = pacers.get(key);
  if (pacer === undefined) {
    pacer = new Pacer({
      budgets: { ...defaultKmsRequestsPerSecond, ...options.requestsPerSecond },
      burst: options.burst,
      maxWaitMs: options.maxWaitMs,
      slowdown: options.slowdown,
      recoveryMs: options.recoveryMs,
      metrics: metrics?.(scope.region),
    });
    pacers.set(key, pacer);
  }
  return pacer;
}

export interface KmsScope {
  accountId: string;
  region: string;
  endpoint?: string;
}

/** One pacer per account, region and endpoint. */
export const kmsPacerKey = (scope: KmsScope): string => `${scope.accountId}/${scope.region}/${scope.endpoint ?? 'aws'}`;

/** In a process that is not the operator: the operator's pacers, reached another way (the audit's pass asks over its pipe). */
let elsewhere: ((scope: KmsScope) => Turns | undefined) | undefined;

/**
 * The pacer already made for this account, region and endpoint, if any (the audit's inspector
 * shares it); in the audit's pass process, the operator's pacer for it, through `pacersElsewhere`.
 */
export function existingKmsPacer(scope: KmsScope): Turns | undefined {
  return pacers.get(kmsPacerKey(scope)) ?? elsewhere?.(scope);
}

/** Called once by the audit's pass process (pass-process.ts, docs/decisions/0068), before its first KMS request. */
export function pacersElsewhere(source: (scope: KmsScope) => Turns | undefined): void {
  elsewhere = source;
}

type RetryStrategyV2 = Extract<NonNullable<KMSClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

const retryBaseMs = 100;
const retryCapMs = 20_000;

function retryToken(count: number, delayMs: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delayMs };
}

/**
 * The SDK's standard retries (exponential backoff with full jitter, base 100 ms) for connection
 * errors and 5xx, but none for throttling: a ThrottlingException goes straight back to the
 * provider, whose pacer slows the region down.
 */
export function retriesExceptThrottling(maxAttempts: number): RetryStrategyV2 {
  return {
    mode: 'standard',
    acquireInitialRetryToken: () => Promise.resolve(retryToken(0, 0)),
    refreshRetryTokenForRetry: (token: RetryToken, info: RetryErrorInfo) => {
      const count = token.getRetryCount() + 1;
      const retryable = info.errorType === 'TRANSIENT' || info.errorType === 'SERVER_ERROR';
      if (!retryable || count >= maxAttempts) return Promise.reject(new Error('not retried'));
      return Promise.resolve(retryToken(count, Math.random() * Math.min(retryCapMs, retryBaseMs * 2 ** count)));
    },
    recordSuccess: () => undefined,
  } as RetryStrategyV2;
}
