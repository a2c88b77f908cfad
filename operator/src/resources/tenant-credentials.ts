/**
 * What the app reads to reach its own database and key: a Secret with the database credentials
 * (host, port, database, username, password, uri) and a ConfigMap with the KMS key's id, ARN,
 * alias, region and, for an endpoint that is not AWS's own, its URL. The Secret records which rotation request its password answers.
 */
import { passwordRotationAnnotation } from '../api/labels.js';
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

export interface DatabaseCredentials {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export function connectionUri(c: DatabaseCredentials): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `postgresql://${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@${host}:${c.port}/${encodeURIComponent(c.database)}`;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** `data` (base64) rather than `stringData`, so the applied object compares equal to the live one. */
export function buildDatabaseSecret(
  tenant: TenantIdentity,
  placement: { name: string; namespace: string; rotation?: string },
  credentials: DatabaseCredentials,
): SecretObject {
  const metadata = childMeta(tenant, placement.name, placement.namespace);
  if (placement.rotation) metadata.annotations = { [passwordRotationAnnotation]: placement.rotation };
  const plain: Record<string, string> = {
    host: credentials.host,
    port: String(credentials.port),
    database: credentials.database,
    username: credentials.username,
    password: credentials.password,
    uri: connectionUri(credentials),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata,
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(plain).map(([key, value]) => [key, base64(value)])),
  };
}

export function readSecretValue(secret: SecretObject | undefined, key: string): string | undefined {
  const encoded = secret?.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

export interface KeyReference {
  keyId: string;
  arn: string;
  alias: string;
  region: string;
  /** The KMS endpoint the app must use when it is not AWS's own (an emulator, a VPC endpoint). */
  endpoint?: string;
  /**
   * A pooled-key tenant's data key (decision 0049): its ciphertext (base64), wrapped under the
   * pool key, which the app opens with one Decrypt under `context`. Not a secret: only the
   * tenant's grant can open it.
   */
  dataKey?: { ciphertext: string; context: Record<string, string> };
}

/** The encryption-key ConfigMap's keys holding a pooled tenant's wrapped data key. */
export const dataKeyConfigKeys = { ciphertext: 'KMS_DATA_KEY', context: 'KMS_DATA_KEY_CONTEXT' } as const;

export function buildEncryptionConfigMap(
  tenant: TenantIdentity,
  placement: { name: string; namespace: string },
  key: KeyReference,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(tenant, placement.name, placement.namespace),
    data: {
      KMS_KEY_ID: key.keyId,
      KMS_KEY_ARN: key.arn,
      KMS_KEY_ALIAS: key.alias,
      KMS_REGION: key.region,
      ...(key.endpoint ? { KMS_ENDPOINT: key.endpoint } : {}),
      ...(key.dataKey
        ? { [dataKeyConfigKeys.ciphertext]: key.dataKey.ciphertext, [dataKeyConfigKeys.context]: JSON.stringify(key.dataKey.context) }
        : {}),
    },
  } as KubeObject;
}
