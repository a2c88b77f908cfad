/**
 * How the audit reaches each region's database server and KMS: exactly as the operator does
 * (controllers/tenant/regional-providers.ts), from the operator's configuration and the Secrets it
 * names. Secret values stay in memory for the connection; only the Secrets' names, UIDs and
 * resourceVersions are reported as inputs.
 */
import type { OperatorConfig } from '../../api/operator-config.js';
import type { KubeClient } from '../../kube/client.js';
import type { DatabaseServer } from '../../providers/database/index.js';
import type { KmsEndpoint } from '../../providers/kms/index.js';
import type { KubeObject } from '../../runtime/types.js';
import { inputOf } from '../guardrails/inputs.js';
import { readNamed } from '../guardrails/named-reads.js';
import type { InputObject } from '../model.js';

export type RegionSettings = OperatorConfig['regions'][string];

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export interface SecretValues {
  values: Record<string, string>;
  input: InputObject;
}

/**
 * The named keys of a Secret, decoded; throws an Error naming the Secret and the key that is
 * missing. `byList` reads it with a LIST narrowed to its name (tenant Secrets, which the operator
 * may list but not get); otherwise with a GET (the credential Secrets, granted by name).
 */
export async function readSecretValues(
  client: KubeClient,
  ref: { namespace: string; name: string },
  keys: readonly string[],
  byList = false,
): Promise<SecretValues> {
  const secret = byList
    ? await readNamed<SecretObject>(client, { apiVersion: 'v1', kind: 'Secret' }, ref.namespace, ref.name)
    : await client.get<SecretObject>({ apiVersion: 'v1', kind: 'Secret', ...ref });
  if (!secret) throw new Error(`Secret ${ref.namespace}/${ref.name} does not exist`);
  const values: Record<string, string> = {};
  for (const key of keys) {
    const encoded = secret.data?.[key];
    if (encoded === undefined) throw new Error(`Secret ${ref.namespace}/${ref.name} has no key ${key}`);
    values[key] = Buffer.from(encoded, 'base64').toString('utf8');
  }
  return { values, input: inputOf({ ...secret, apiVersion: 'v1', kind: 'Secret' }) };
}

/** `host:port`: what makes two regions share one database server. */
export function serverKey(settings: RegionSettings): string {
  return `${settings.database.host}:${settings.database.port}`;
}

export async function databaseServerOf(client: KubeClient, settings: RegionSettings): Promise<{ server: DatabaseServer; input: InputObject }> {
  const { values, input } = await readSecretValues(client, settings.database.adminSecret, ['username', 'password']);
  return {
    server: { host: settings.database.host, port: settings.database.port, adminUser: values.username ?? '', adminPassword: values.password ?? '' },
    input,
  };
}

export async function kmsEndpointOf(client: KubeClient, region: string, settings: RegionSettings): Promise<{ endpoint: KmsEndpoint; inputs: InputObject[] }> {
  const base = { region, accountId: settings.kms.accountId, endpoint: settings.kms.endpoint };
  if (!settings.kms.credentialsSecret) return { endpoint: base, inputs: [] };
  const { values, input } = await readSecretValues(client, settings.kms.credentialsSecret, ['accessKeyId', 'secretAccessKey']);
  return { endpoint: { ...base, credentials: { accessKeyId: values.accessKeyId ?? '', secretAccessKey: values.secretAccessKey ?? '' } }, inputs: [input] };
}
