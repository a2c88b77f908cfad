/**
 * The operator's line to an S3-compatible object store (AWS S3, or moto's server in tests, which
 * needs path-style addressing). Only the operations the operator's IAM policy grants: PutObject,
 * GetObject, ListBucket and DeleteObject, all under the configured prefix.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { BackupStoreUnavailable } from './errors.js';

export interface ObjectStoreEndpoint {
  bucket: string;
  region: string;
  /** Default: AWS's own endpoint for the region; set it for an emulator or another S3 API. */
  endpoint?: string;
  /** Bucket in the path rather than the host name; emulators and most non-AWS stores need it. */
  forcePathStyle?: boolean;
  /** Default: the SDK's credential chain (web identity, instance profile, environment). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date | undefined;
}

/** S3's DeleteObjects takes at most this many keys per request. */
const deleteBatch = 1000;

type S3 = typeof S3Sdk;

/**
 * The S3 SDK is loaded by the first call that needs it, not with the operator: it is about 2 MiB
 * of heap that an operator with no backup due (a standby, or no backups configured) never uses.
 */
let sdk: Promise<S3> | undefined;
const loadSdk = (): Promise<S3> => (sdk ??= import('@aws-sdk/client-s3'));

export class ObjectStore {
  private connection: Promise<{ s3: S3; client: S3Client }> | undefined;

  constructor(readonly endpoint: ObjectStoreEndpoint) {}

  private connect(): Promise<{ s3: S3; client: S3Client }> {
    const { endpoint } = this;
    this.connection ??= loadSdk().then((s3) => ({
      s3,
      client: new s3.S3Client({
        region: endpoint.region,
        ...(endpoint.endpoint === undefined ? {} : { endpoint: endpoint.endpoint }),
        ...(endpoint.credentials === undefined ? {} : { credentials: endpoint.credentials }),
        forcePathStyle: endpoint.forcePathStyle ?? false,
        maxAttempts: 3,
      }),
    }));
    return this.connection;
  }

  async putFile(key: string, file: string): Promise<void> {
    const { size } = await stat(file);
    const { s3, client } = await this.connect();
    await this.call(`uploading ${key}`, () =>
      client.send(new s3.PutObjectCommand({ Bucket: this.endpoint.bucket, Key: key, Body: createReadStream(file), ContentLength: size })),
    );
  }

  async putBytes(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    const { s3, client } = await this.connect();
    await this.call(`uploading ${key}`, () =>
      client.send(new s3.PutObjectCommand({ Bucket: this.endpoint.bucket, Key: key, Body: body, ContentType: contentType })),
    );
  }

  /** The object's bytes, or undefined when there is no such object. */
  async getBytes(key: string): Promise<Uint8Array | undefined> {
    const response = await this.getObject(key);
    return response === undefined ? undefined : this.call(`reading ${key}`, () => response.transformToByteArray());
  }

  /** Streams the object into `file` (created 0600); false when there is no such object. */
  async getToFile(key: string, file: string): Promise<boolean> {
    const response = await this.getObject(key);
    if (response === undefined) return false;
    const body = Readable.from(response as AsyncIterable<Uint8Array>);
    await this.call(`downloading ${key}`, () => pipeline(body, createWriteStream(file, { mode: 0o600, flags: 'wx' })));
    return true;
  }

  /** Every object under `prefix`, all pages. */
  async list(prefix: string): Promise<StoredObject[]> {
    const { s3, client } = await this.connect();
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`listing ${prefix}`, () =>
        client.send(new s3.ListObjectsV2Command({ Bucket: this.endpoint.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) found.push({ key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found;
  }

  async delete(keys: readonly string[]): Promise<void> {
    const { s3, client } = await this.connect();
    for (let start = 0; start < keys.length; start += deleteBatch) {
      const batch = keys.slice(start, start + deleteBatch).map((Key) => ({ Key }));
      const response = await this.call(`deleting ${batch.length} objects`, () =>
        client.send(new s3.DeleteObjectsCommand({ Bucket: this.endpoint.bucket, Delete: { Objects: batch, Quiet: true } })),
      );
      const failed = response.Errors?.[0];
      if (failed !== undefined)
        throw new BackupStoreUnavailable(`deleting ${failed.Key}: ${failed.Code ?? 'error'} ${failed.Message ?? ''}`.trim());
    }
  }

  close(): void {
    void this.connection?.then(
      ({ client }) => client.destroy(),
      () => undefined,
    );
  }

  private async getObject(key: string): Promise<(AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> }) | undefined> {
    const { s3, client } = await this.connect();
    try {
      const response = await client.send(new s3.GetObjectCommand({ Bucket: this.endpoint.bucket, Key: key }));
      return response.Body as (AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> }) | undefined;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw storeError(error, `reading ${key}`);
    }
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw storeError(error, operation);
    }
  }
}

function storeError(error: unknown, operation: string): BackupStoreUnavailable {
  const name = (error as Error).name;
  const message = (error as Error).message ?? String(error);
  return new BackupStoreUnavailable(`${operation} in the backup bucket: ${message} (${name})`, { cause: error });
}
