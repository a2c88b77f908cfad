/**
 * The provider's line to one region's KMS: an SDK client with connection and request timeouts
 * and bounded retries, and a `call` that turns every failure into a classified KeyProviderError
 * naming the operation. Every request waits its turn at the region's pacer (pacing.ts) when
 * the session has one; a ThrottlingException slows that pacer and leaves as KeyProviderThrottled.
 * withSignal() gives a view whose requests abort with a signal; requests that destroy (a key's
 * scheduled deletion, freeing its alias) go through destroy(), behind the leadership fence.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { destructive, type LeadershipFence } from '../../runtime/fence.js';
import { PacerBusy, type Turns } from '../../runtime/pacer.js';
import { classifyKmsError, KeyProviderThrottled, kmsErrorName, type KeyProviderError } from './errors.js';
import { existingKmsPacer, kmsPacer, operationOf, retriesExceptThrottling } from './pacing.js';
import type { KmsEndpoint, KmsProviderOptions } from './types.js';

const defaultConnectionTimeoutMillis = 3_000;
const defaultRequestTimeoutMillis = 10_000;
const defaultMaxAttempts = 3;

/** The options every request passes to KMSClient.send: the view's signal. */
export interface RequestOptions {
  abortSignal?: AbortSignal;
}

/** What a request is given to send with: KMSClient.send, behind the region's pacer. */
export interface KmsSender {
  send: KMSClient['send'];
}

export type Request<T> = (client: KmsSender, options: RequestOptions) => Promise<T>;

/** The session's client, region and pacer, shared by its signalled views. */
interface Line {
  client: KMSClient;
  region: string;
  pacer: Turns | undefined;
}

export class KmsSession {
  private constructor(
    private readonly line: Line,
    private readonly owner: boolean,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Opens a client for the endpoint's region. With `options.pacing` its requests are paced by the
   * region's shared pacer; without, by the pacer the operator already made for it, if any.
   */
  static open(endpoint: KmsEndpoint, options: KmsProviderOptions): KmsSession {
    const maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
    const client = new KMSClient({
      region: endpoint.region,
      ...(endpoint.endpoint === undefined ? {} : { endpoint: endpoint.endpoint }),
      ...(endpoint.credentials === undefined ? {} : { credentials: endpoint.credentials }),
      maxAttempts,
      retryStrategy: retriesExceptThrottling(maxAttempts),
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMillis ?? defaultConnectionTimeoutMillis,
        requestTimeout: options.requestTimeoutMillis ?? defaultRequestTimeoutMillis,
        throwOnRequestTimeout: true,
      },
    });
    const pacer = options.pacing ? kmsPacer(endpoint, options.pacing, options.pacingMetrics) : existingKmsPacer(endpoint);
    return new KmsSession({ client, region: endpoint.region, pacer }, true);
  }

  /** The SDK client, shared by every view (and the key of per-client memories such as key-lookup's). */
  get client(): KMSClient {
    return this.line.client;
  }

  /** The same client, with every request aborted when `signal` aborts; closing it leaves the client open. */
  withSignal(signal: AbortSignal): KmsSession {
    return new KmsSession(this.line, false, signal);
  }

  /** Runs one request; any failure leaves as a KeyProviderError saying what `operation` was. */
  async call<T>(operation: string, request: Request<T>): Promise<T> {
    try {
      this.signal?.throwIfAborted();
      return await request(this.sender(operation), this.signal ? { abortSignal: this.signal } : {});
    } catch (error) {
      throw classifyKmsError(error, operation);
    }
  }

  /** Like call, but NotFoundException (no such key or alias) is undefined instead of an error. */
  async callUnlessNotFound<T>(operation: string, request: Request<T>): Promise<T | undefined> {
    return unlessNotFound(this.call(operation, request));
  }

  /**
   * A request that destroys (ScheduleKeyDeletion, DeleteAlias), sent once the fence has confirmed
   * leadership. eslint.config.js refuses those commands anywhere but inside a destroy() call.
   */
  async destroy<T>(fence: LeadershipFence, operation: string, request: Request<T>): Promise<T> {
    return destructive(fence, operation, () => this.call(operation, request));
  }

  close(): void {
    if (this.owner) this.line.client.destroy();
  }

  /** client.send, each command waiting its turn first; a throttle slows the pacer and becomes KeyProviderThrottled. */
  private sender(operation: string): KmsSender {
    const { client, region, pacer } = this.line;
    if (pacer === undefined) return client;
    const send = async (command: object, options?: RequestOptions): Promise<unknown> => {
      const kind = operationOf(command);
      try {
        await pacer.acquire(kind, this.signal);
        return await (client.send as (command: object, options?: RequestOptions) => Promise<unknown>)(command, options);
      } catch (error) {
        if (error instanceof PacerBusy) {
          throw new KeyProviderThrottled(
            `${operation}: the operator's budget for ${kind} in ${region} (${pacer.budget(kind)} requests/s) is spent for now; it retries when the budget allows`,
            error.retryAfterMs,
            { cause: error },
          );
        }
        if (kmsErrorName(error) !== 'ThrottlingException') throw error;
        const retryAfterMs = pacer.throttled(kind);
        throw new KeyProviderThrottled(
          `${operation}: KMS in ${region} throttled ${kind} (ThrottlingException); the operator slowed its ${kind} requests there and retries when its budget allows`,
          retryAfterMs,
          { cause: error },
        );
      }
    };
    return { send: send as KMSClient['send'] };
  }
}

/** The call's result, or undefined when KMS answered NotFoundException. */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if ((error as KeyProviderError).kmsError === 'NotFoundException') return undefined;
    throw error;
  }
}
