/**
 * `bulkhead token create --role ROLE --name NAME` prints a new API token once (only its hash is
 * stored); `bulkhead token revoke NAME` removes it. Tokens live in the Secret named by
 * BULKHEAD_API_TOKEN_SECRET (`namespace/name`, default bulkhead-system/bulkhead-api-tokens).
 */
import { parseArgs } from 'node:util';
import { isRole, roles } from '../api-server/roles.js';
import { TokenNameSchema } from '../api-server/token-hash.js';
import { defaultTokenSecret, KubeTokenStore, type TokenSecretRef } from '../api-server/token-store.js';
import { KubeClient } from '../kube/client.js';

export const tokenUsage = `usage: bulkhead token create --role (${roles.join('|')}) --name NAME
       bulkhead token revoke NAME
`;

export function tokenSecretFrom(value: string | undefined): TokenSecretRef {
  if (!value) return defaultTokenSecret;
  const [namespace, name, ...rest] = value.split('/');
  if (!namespace || !name || rest.length > 0) throw new Error('BULKHEAD_API_TOKEN_SECRET must be namespace/name');
  return { namespace, name };
}

async function create(store: KubeTokenStore, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { role: { type: 'string' }, name: { type: 'string' } } });
  if (!isRole(values.role)) throw new Error(`--role must be one of ${roles.join(', ')}`);
  const name = TokenNameSchema.safeParse(values.name);
  if (!name.success) throw new Error('--name must be a DNS-1123 label of at most 63 characters');
  const token = await store.create(name.data, values.role);
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Created token ${name.data} (role ${values.role}). It is shown only now; store it safely.\n`);
  return 0;
}

async function revoke(store: KubeTokenStore, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  if (positionals.length !== 1 || !positionals[0]) throw new Error('name exactly one token to revoke');
  const revoked = await store.revoke(positionals[0]);
  process.stderr.write(revoked ? `Revoked token ${positionals[0]}\n` : `No token named ${positionals[0]}\n`);
  return revoked ? 0 : 1;
}

export async function runTokenCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = args[0] === 'create' ? create : args[0] === 'revoke' ? revoke : undefined;
  if (!command) {
    process.stderr.write(tokenUsage);
    return 2;
  }
  const client = KubeClient.load(env.KUBECONFIG);
  try {
    return await command(new KubeTokenStore({ client, secret: tokenSecretFrom(env.BULKHEAD_API_TOKEN_SECRET) }), args.slice(1));
  } finally {
    client.close();
  }
}
