/**
 * A tenant's own database login in specs: read from the `<tenant>-database` Secret the operator
 * writes in the tenant's namespace, so a spec connects exactly as the tenant's app would.
 */
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';

/** The keys of the tenant's database Secret, decoded. */
export interface TenantLogin {
  host: string;
  port: string;
  database: string;
  username: string;
  password: string;
  uri: string;
}

export async function tenantLogin(kc: k8s.KubeConfig, tenant: string): Promise<TenantLogin> {
  const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: `tenant-${tenant}`, name: `${tenant}-database` });
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
  ) as unknown as TenantLogin;
}

/** A connected client with the login; `database` and `password` replace the login's own to probe refusals. */
export async function connectAs(
  login: TenantLogin,
  { database = login.database, password = login.password }: { database?: string; password?: string } = {},
): Promise<pg.Client> {
  const client = new pg.Client({ host: login.host, port: Number(login.port), user: login.username, password, database });
  await client.connect();
  return client;
}

/** One statement as the tenant, on a connection of its own. */
export async function queryAsTenant(kc: k8s.KubeConfig, tenant: string, sql: string): Promise<pg.QueryResultRow[]> {
  const client = await connectAs(await tenantLogin(kc, tenant));
  try {
    return (await client.query<pg.QueryResultRow>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The rows in the tenant's `orders` table, the table the backup and restore specs fill; -1 when it has none. */
export async function orderCount(kc: k8s.KubeConfig, tenant: string): Promise<number> {
  const tables = await queryAsTenant(kc, tenant, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'orders'");
  if (tables[0]?.n !== 1) return -1;
  return ((await queryAsTenant(kc, tenant, 'SELECT count(*)::int AS n FROM orders'))[0]?.n as number) ?? -1;
}
