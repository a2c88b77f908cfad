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
import { operatorAccessBindingName } from '../../resources/operator-access.js';
import type { KubeObject } from '../../runtime/types.js';
import { listAll } from '../cluster-reads.js';
import { inputOf } from '../guardrails/inputs.js';
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
 * missing. Read with a GET: the credential Secrets are granted by name, a tenant's Secret by the
 * operator's RoleBinding in the tenant's namespace (it can list Secrets nowhere).
 */
export async function readSecretValues(
  client: KubeClient,
  ref: { namespace: string; name: string },
  keys: readonly string[],
): Promise<SecretValues> {
  const secret = await client.get<SecretObject>({ apiVersion: 'v1', kind: 'Secret', ...ref });
  if (!secret) throw new Error(`Secret ${ref.namespace}/${ref.name} does not exist`);
  const values: Record<string, string> = {};
  for (const key of keys) {
    const encoded = secret.data?.[key];
    if (encoded === undefined) throw new Error(`Secret ${ref.namespace}/${ref.name} has no key ${key}`);
    values[key] = Buffer.from(encoded, 'base64').toString('utf8');
  }
  return { values, input: inputOf({ ...secret, apiVersion: 'v1', kind: 'Secret' }) };
}

/**
 * The namespaces whose Secrets the operator may read now: those holding its own RoleBinding, not
 * being deleted. Anywhere else a GET would be refused (docs/decisions/0014), so it is not sent.
 */
export async function namespacesWithOperatorAccess(client: KubeClient): Promise<Set<string>> {
  const bindings = await listAll(client, 'rbac.authorization.k8s.io/v1', 'RoleBinding', {
    fieldSelector: `metadata.name=${operatorAccessBindingName}`,
  });
  return new Set(bindings.filter((binding) => !binding.metadata.deletionTimestamp).map((binding) => binding.metadata.namespace ?? ''));
}

/** `host:port`: what makes two regions share one database server. */
export function serverKey(settings: RegionSettings): string {
  return `${settings.database.host}:${settings.database.port}`;
}

export async function databaseServerOf(
  client: KubeClient,
  settings: RegionSettings,
): Promise<{ server: DatabaseServer; input: InputObject }> {
  const { values, input } = await readSecretValues(client, settings.database.adminSecret, ['username', 'password']);
  return {
    server: {
      host: settings.database.host,
      port: settings.database.port,
      adminUser: values.username ?? '',
      adminPassword: values.password ?? '',
    },
    input,
  };
}

export async function kmsEndpointOf(
  client: KubeClient,
  region: string,
  settings: RegionSettings,
): Promise<{ endpoint: KmsEndpoint; inputs: InputObject[] }> {
  const base = { region, accountId: settings.kms.accountId, endpoint: settings.kms.endpoint };
  if (!settings.kms.credentialsSecret) return { endpoint: base, inputs: [] };
  const { values, input } = await readSecretValues(client, settings.kms.credentialsSecret, ['accessKeyId', 'secretAccessKey']);
  return {
    endpoint: { ...base, credentials: { accessKeyId: values.accessKeyId ?? '', secretAccessKey: values.secretAccessKey ?? '' } },
    inputs: [input],
  };
}
