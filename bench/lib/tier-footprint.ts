/**
 * What a tier's tenants cost outside the operator, read from the real servers once they are all
 * Ready (docs/tiers.md, decision 0058): KMS keys, databases, schemas in the pool, roles,
 * namespaces, Kubernetes objects in their namespaces and the pool namespace, and the PostgreSQL
 * backends open at once while they were onboarded (sampled from pg_stat_activity every 250 ms).
 */
import pg from 'pg';
import type { KubeClient } from '../../operator/src/kube/client.js';
import type { KubeObject } from '../../operator/src/runtime/types.js';
import type { Environment } from '../../testenv/src/environment.js';
import { takeInventory } from './inventory.js';

export interface TierFootprint {
  /** Live KMS keys: a tenant's own (tagged with its UID) and the region's pool keys. */
  kmsKeys: { tenants: number; pool: number };
  databases: number;
  schemasInPool: number;
  roles: number;
  namespaces: number;
  /** Objects in the tenants' namespaces and the pool namespaces, by kind (the API server's own ConfigMap and ServiceAccount left out). */
  objects: Record<string, number>;
  /** The most PostgreSQL client backends open at once during onboarding, and the databases they were in then. */
  postgres: { peakBackends: number; byDatabaseAtPeak: Record<string, number> };
}

const kinds: [string, string][] = [
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'ServiceAccount'],
  ['v1', 'Service'],
  ['v1', 'ResourceQuota'],
  ['v1', 'LimitRange'],
  ['apps/v1', 'Deployment'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
];

/** Made in every namespace by kube-controller-manager, not by Bulkhead. */
const notBulkheads = (kind: string, object: KubeObject): boolean =>
  (kind === 'ConfigMap' && object.metadata.name === 'kube-root-ca.crt') ||
  (kind === 'ServiceAccount' && object.metadata.name === 'default');

async function objectCounts(client: KubeClient, prefix: string): Promise<Record<string, number>> {
  const ours = (namespace = ''): boolean => namespace.startsWith(`tenant-${prefix}`) || namespace.startsWith('bulkhead-pool-');
  const counts: Record<string, number> = {};
  for (const [apiVersion, kind] of kinds) {
    const items = (await client.list<KubeObject>(apiVersion, kind)).items;
    counts[kind] = items.filter((o) => ours(o.metadata.namespace) && !notBulkheads(kind, o)).length;
  }
  return counts;
}

async function schemasInPool(env: Environment): Promise<number> {
  const url = new URL(env.postgres.url);
  url.pathname = '/bulkhead_pool';
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
    const result = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'");
    return Number(result.rows[0]?.n ?? 0);
  } catch {
    return 0; // no pool database: no pooled tenant on this server
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Counts what the tenants whose names start with `prefix` hold on every server. */
export async function tierFootprint(
  env: Environment,
  client: KubeClient,
  prefix: string,
  postgres: TierFootprint['postgres'],
): Promise<TierFootprint> {
  const inventory = await takeInventory(env, client);
  const live = inventory.keys.filter((k) => k.state !== 'PendingDeletion');
  const ours = (name = ''): boolean => name.includes(prefix) || name.includes(prefix.replaceAll('-', '_'));
  return {
    kmsKeys: {
      tenants: live.filter((k) => k.tenant?.startsWith(prefix)).length,
      pool: live.filter((k) => k.aliases.some((alias) => alias.startsWith('alias/bulkhead/pool/'))).length,
    },
    databases: inventory.databases.filter((d) => ours(d.name)).length,
    schemasInPool: await schemasInPool(env),
    roles: inventory.roles.filter((r) => ours(r.name)).length,
    namespaces: inventory.namespaces.filter((n) => ours(n.name)).length,
    objects: await objectCounts(client, prefix),
    postgres,
  };
}

/** Samples pg_stat_activity until stopped; returns the peak of client backends (its own left out). */
export function sampleBackends(env: Environment): { stop: () => Promise<TierFootprint['postgres']> } {
  const client = new pg.Client({ connectionString: env.postgres.url });
  let peak: TierFootprint['postgres'] = { peakBackends: 0, byDatabaseAtPeak: {} };
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const rows = (
        await client.query<{ datname: string | null; n: string }>(
          "SELECT datname, count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY datname",
        )
      ).rows;
      const total = rows.reduce((sum, row) => sum + Number(row.n), 0);
      if (total > peak.peakBackends) {
        peak = { peakBackends: total, byDatabaseAtPeak: Object.fromEntries(rows.map((row) => [row.datname ?? '-', Number(row.n)])) };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      return peak;
    },
  };
}
