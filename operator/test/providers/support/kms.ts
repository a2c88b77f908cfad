/**
 * Helpers for the KMS provider specs: the emulator as a KmsEndpoint, unique tenant key specs, and
 * a plain SDK client to look at keys independently of the provider under test.
 */
import { randomUUID } from 'node:crypto';
import { DescribeKeyCommand, KMSClient, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { testEnvironment } from '@bulkhead/testenv';
import { keyAlias } from '../../../src/api/names.js';
import { tenantPrincipal, type KmsEndpoint, type TenantKeySpec } from '../../../src/providers/kms/index.js';
import { runId } from './postgres.js';

/** moto's default account. */
export const accountId = '123456789012';
export const region = 'eu-central-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function kmsEndpoint(): KmsEndpoint {
  return { region, accountId, endpoint: testEnvironment().kms.endpoint, credentials };
}

export function kmsClient(): KMSClient {
  return new KMSClient({ region, endpoint: testEnvironment().kms.endpoint, credentials });
}

/** The spec the tenant controller would derive for tenant `<prefix>-<run>`, with a fresh UID. */
export function tenantKeySpec(prefix: string, tenantUid: string = randomUUID()): TenantKeySpec {
  const tenant = `${prefix}-${runId}`;
  const principal = tenantPrincipal('arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}', {
    tenant,
    accountId,
    partition: 'aws',
  });
  return { tenant, tenantUid, alias: keyAlias({ metadata: { name: tenant } }), principal, rotation: true };
}

/** The ids and states of every key tagged with the tenant UID, found without the provider. */
export async function keysTaggedWith(client: KMSClient, tenantUid: string): Promise<{ keyId: string; state: string }[]> {
  const found: { keyId: string; state: string }[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new ListKeysCommand({ Marker: marker }));
    for (const { KeyId } of page.Keys ?? []) {
      const tags = await client.send(new ListResourceTagsCommand({ KeyId }));
      if (!tags.Tags?.some((tag) => tag.TagKey === 'bulkhead.dev/tenant-uid' && tag.TagValue === tenantUid)) continue;
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId }));
      found.push({ keyId: KeyId ?? '', state: KeyMetadata?.KeyState ?? '' });
    }
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker !== undefined);
  return found;
}

/** The key id an alias points to, or undefined when the alias does not exist. */
export async function aliasTarget(client: KMSClient, alias: string): Promise<string | undefined> {
  try {
    return (await client.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata?.KeyId;
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') return undefined;
    throw error;
  }
}
