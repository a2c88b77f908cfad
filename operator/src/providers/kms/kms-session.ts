/**
 * The provider's line to one region's KMS: an SDK client with connection and request timeouts
 * and bounded retries, and a `call` that turns every failure into a classified KeyProviderError
 * naming the operation.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { classifyKmsError, type KeyProviderError } from './errors.js';
import type { KmsEndpoint, KmsProviderOptions } from './types.js';

const defaultConnectionTimeoutMillis = 3_000;
const defaultRequestTimeoutMillis = 10_000;
const defaultMaxAttempts = 3;

export class KmsSession {
  readonly client: KMSClient;

  constructor(endpoint: KmsEndpoint, options: KmsProviderOptions) {
    this.client = new KMSClient({
      region: endpoint.region,
      ...(endpoint.endpoint === undefined ? {} : { endpoint: endpoint.endpoint }),
      ...(endpoint.credentials === undefined ? {} : { credentials: endpoint.credentials }),
      maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMillis ?? defaultConnectionTimeoutMillis,
        requestTimeout: options.requestTimeoutMillis ?? defaultRequestTimeoutMillis,
        throwOnRequestTimeout: true,
      },
    });
  }

  /** Runs one request; any failure leaves as a KeyProviderError saying what `operation` was. */
  async call<T>(operation: string, request: (client: KMSClient) => Promise<T>): Promise<T> {
    try {
      return await request(this.client);
    } catch (error) {
      throw classifyKmsError(error, operation);
    }
  }

  /** Like call, but NotFoundException (no such key or alias) is undefined instead of an error. */
  async callUnlessNotFound<T>(operation: string, request: (client: KMSClient) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(operation, request);
    } catch (error) {
      if ((error as KeyProviderError).kmsError === 'NotFoundException') return undefined;
      throw error;
    }
  }

  close(): void {
    this.client.destroy();
  }
}
