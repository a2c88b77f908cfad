/**
 * The provider's line to one region's KMS: an SDK client with connection and request timeouts
 * and bounded retries, and a `call` that turns every failure into a classified KeyProviderError
 * naming the operation. withSignal() gives a view whose requests abort with a signal; requests
 * that destroy (a key's scheduled deletion, freeing its alias) go through destroy(), behind the
 * leadership fence.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { destructive, type LeadershipFence } from '../../runtime/fence.js';
import { classifyKmsError, type KeyProviderError } from './errors.js';
import type { KmsEndpoint, KmsProviderOptions } from './types.js';

const defaultConnectionTimeoutMillis = 3_000;
const defaultRequestTimeoutMillis = 10_000;
const defaultMaxAttempts = 3;

/** The options every request passes to KMSClient.send: the view's signal. */
export interface RequestOptions {
  abortSignal?: AbortSignal;
}

export type Request<T> = (client: KMSClient, options: RequestOptions) => Promise<T>;

export class KmsSession {
  /** One client per region, shared by the session's signalled views. */
  private constructor(readonly client: KMSClient, private readonly owner: boolean, private readonly signal?: AbortSignal) {}

  static open(endpoint: KmsEndpoint, options: KmsProviderOptions): KmsSession {
    return new KmsSession(new KMSClient({
      region: endpoint.region,
      ...(endpoint.endpoint === undefined ? {} : { endpoint: endpoint.endpoint }),
      ...(endpoint.credentials === undefined ? {} : { credentials: endpoint.credentials }),
      maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMillis ?? defaultConnectionTimeoutMillis,
        requestTimeout: options.requestTimeoutMillis ?? defaultRequestTimeoutMillis,
        throwOnRequestTimeout: true,
      },
    }), true);
  }

  /** The same client, with every request aborted when `signal` aborts; closing it leaves the client open. */
  withSignal(signal: AbortSignal): KmsSession {
    return new KmsSession(this.client, false, signal);
  }

  /** Runs one request; any failure leaves as a KeyProviderError saying what `operation` was. */
  async call<T>(operation: string, request: Request<T>): Promise<T> {
    try {
      this.signal?.throwIfAborted();
      return await request(this.client, this.signal ? { abortSignal: this.signal } : {});
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
    if (this.owner) this.client.destroy();
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
