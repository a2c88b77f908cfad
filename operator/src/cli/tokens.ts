/**
 * `bulkhead token create --role ROLE --name NAME` prints a new API token once (only its hash is
 * stored); `bulkhead token revoke NAME` removes it. Tokens live in the Secret named by
 * BULKHEAD_API_TOKEN_SECRET (`namespace/name`, default bulkhead-system/bulkhead-api-tokens). Their
 * flags are in service-commands.ts.
 */
import { defaultTokenSecret, KubeTokenStore, type TokenSecretRef } from '../api-server/token-store.js';
import { connect } from './cluster.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';
import type { TokenCreateRequest, TokenRevokeRequest } from './service-commands.js';

export function tokenSecretFrom(value: string | undefined): TokenSecretRef {
  if (!value) return defaultTokenSecret;
  const [namespace, name, ...rest] = value.split('/');
  if (!namespace || !name || rest.length > 0) throw new UsageError('BULKHEAD_API_TOKEN_SECRET must be namespace/name');
  return { namespace, name };
}

async function withStore(context: CommandContext, work: (store: KubeTokenStore) => Promise<number>): Promise<number> {
  const secret = tokenSecretFrom(context.io.env.BULKHEAD_API_TOKEN_SECRET);
  const client = connect(context.cluster);
  try {
    return await work(new KubeTokenStore({ client, secret }));
  } finally {
    client.close();
  }
}

export function createToken({ role, name, output }: TokenCreateRequest, context: CommandContext): Promise<number> {
  const { io } = context;
  return withStore(context, async (store) => {
    const token = await store.create(name, role);
    io.stdout.write(render(output, { name, role, token }, () => `${token}\n`));
    io.stderr.write(`Created token ${name} (role ${role}). It is shown only now; store it safely.\n`);
    return ExitCode.ok;
  });
}

export function revokeToken({ name, output }: TokenRevokeRequest, context: CommandContext): Promise<number> {
  const { io } = context;
  return withStore(context, async (store) => {
    const revoked = await store.revoke(name);
    if (output === 'text') io.stderr.write(revoked ? `Revoked token ${name}\n` : `No token named ${name}\n`);
    else io.stdout.write(render(output, { name, revoked }, () => ''));
    return revoked ? ExitCode.ok : ExitCode.failed;
  });
}
