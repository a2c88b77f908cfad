/**
 * What exists for tenants, read from the real servers, and the check chaos runs end with: every
 * Tenant has exactly one namespace, database, role and live KMS key (its alias pointing at it),
 * and no namespace, database, role or live key belongs to no Tenant (an orphan). Ownership is
 * read the way Bulkhead marks it: the namespace's tenant label and owner reference, the COMMENT
 * on database and role, the tenant-uid tag on the key.
 */
import {
  type AliasListEntry,
  DescribeKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import pg from 'pg';
import { apiVersion } from '../../operator/src/api/tenant.js';
import type { KubeClient } from '../../operator/src/kube/client.js';
import { parseOwnershipComment } from '../../operator/src/providers/database/ownership.js';
import type { KubeObject } from '../../operator/src/runtime/types.js';
import type { Environment } from '../../testenv/src/environment.js';

export interface Owned {
  name: string;
  /** The tenant's name it is marked with. */
  tenant?: string;
  /** The tenant UID it is marked with (undefined: unmarked). */
  tenantUid?: string;
}

export interface KeyEntry extends Owned {
  state: string;
  aliases: string[];
}

export interface Inventory {
  tenants: Owned[];
  namespaces: Owned[];
  databases: Owned[];
  roles: Owned[];
  keys: KeyEntry[];
}

async function databaseObjects(env: Environment): Promise<Pick<Inventory, 'databases' | 'roles'>> {
  const client = new pg.Client({ connectionString: env.postgres.url });
  await client.connect();
  try {
    const marked = (rows: { name: string; comment: string | null }[]): Owned[] =>
      rows.map((r) => ({ name: r.name, ...parseOwnershipComment(r.comment) }));
    const databases = await client.query<{ name: string; comment: string | null }>(
      "SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'tenant\\_%'",
    );
    const roles = await client.query<{ name: string; comment: string | null }>(
      "SELECT rolname AS name, shobj_description(oid, 'pg_authid') AS comment FROM pg_authid WHERE rolname LIKE 'tenant\\_%'",
    );
    return { databases: marked(databases.rows), roles: marked(roles.rows) };
  } finally {
    await client.end();
  }
}

export function kmsClient(env: Environment, region = 'eu-central-1'): KMSClient {
  return new KMSClient({ endpoint: env.kms.endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

async function keyEntry(kms: KMSClient, id: string, aliases: AliasListEntry[]): Promise<KeyEntry> {
  const [described, tags] = await Promise.all([
    kms.send(new DescribeKeyCommand({ KeyId: id })),
    kms.send(new ListResourceTagsCommand({ KeyId: id })),
  ]);
  const tag = (key: string): string | undefined => tags.Tags?.find((t) => t.TagKey === key)?.TagValue;
  return {
    name: id,
    state: described.KeyMetadata?.KeyState ?? 'unknown',
    tenantUid: tag('bulkhead.dev/tenant-uid'),
    tenant: tag('bulkhead.dev/tenant'),
    aliases: aliases.filter((a) => a.TargetKeyId === id).map((a) => a.AliasName ?? ''),
  };
}

async function keys(env: Environment): Promise<KeyEntry[]> {
  const kms = kmsClient(env);
  try {
    const aliases = (await kms.send(new ListAliasesCommand({ Limit: 1000 }))).Aliases ?? [];
    const entries: KeyEntry[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 1000, Marker: marker }));
      entries.push(...(await Promise.all((page.Keys ?? []).map((k) => keyEntry(kms, k.KeyId ?? '', aliases)))));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return entries;
  } finally {
    kms.destroy();
  }
}

export async function takeInventory(env: Environment, client: KubeClient): Promise<Inventory> {
  const [tenants, namespaces, data, keyEntries] = await Promise.all([
    client.list<KubeObject>(apiVersion, 'Tenant'),
    client.list<KubeObject>('v1', 'Namespace', { labelSelector: 'app.kubernetes.io/managed-by=bulkhead' }),
    databaseObjects(env),
    keys(env),
  ]);
  return {
    tenants: tenants.items.map((t) => ({ name: t.metadata.name, tenant: t.metadata.name, tenantUid: t.metadata.uid })),
    namespaces: namespaces.items
      .filter((ns) => !ns.metadata.deletionTimestamp)
      .map((ns) => ({
        name: ns.metadata.name,
        tenant: ns.metadata.labels?.['bulkhead.dev/tenant'],
        tenantUid: ns.metadata.ownerReferences?.[0]?.uid,
      })),
    ...data,
    keys: keyEntries,
  };
}

const live = (key: KeyEntry): boolean => key.state !== 'PendingDeletion';

/** Only what belongs (by marker, or by name when unmarked) to tenants whose names start with `prefix`. */
export function scopeInventory(inventory: Inventory, prefix: string): Inventory {
  const ours = (item: Owned): boolean =>
    item.tenant === undefined
      ? item.name.includes(prefix) || item.name.includes(prefix.replaceAll('-', '_'))
      : item.tenant.startsWith(prefix);
  return {
    tenants: inventory.tenants.filter(ours),
    namespaces: inventory.namespaces.filter(ours),
    databases: inventory.databases.filter(ours),
    roles: inventory.roles.filter(ours),
    keys: inventory.keys.filter(ours),
  };
}

/** Every problem found: a Tenant lacking or doubling something, or something no Tenant owns. */
export function inventoryProblems(inventory: Inventory): string[] {
  const problems: string[] = [];
  const uids = new Set(inventory.tenants.map((t) => t.tenantUid));
  const kinds: [string, Owned[]][] = [
    ['namespace', inventory.namespaces],
    ['database', inventory.databases],
    ['role', inventory.roles],
    ['live key', inventory.keys.filter(live)],
  ];
  for (const tenant of inventory.tenants) {
    for (const [kind, items] of kinds) {
      const own = items.filter((item) => item.tenantUid === tenant.tenantUid);
      if (own.length !== 1) problems.push(`tenant ${tenant.name} has ${own.length} ${kind}s (${own.map((o) => o.name).join(', ')})`);
    }
    const key = inventory.keys.find((k) => live(k) && k.tenantUid === tenant.tenantUid);
    if (key && !key.aliases.includes(`alias/bulkhead/${tenant.name}`))
      problems.push(`tenant ${tenant.name}'s key ${key.name} lacks its alias`);
  }
  for (const [kind, items] of kinds) {
    for (const item of items.filter((i) => !uids.has(i.tenantUid)))
      problems.push(`orphan ${kind} ${item.name} (tenant uid ${item.tenantUid ?? 'none'})`);
  }
  return problems;
}

/** What `before` had that `after` lost: databases dropped, keys gone or scheduled for deletion. */
export function lostSince(before: Inventory, after: Inventory): string[] {
  const databases = new Set(after.databases.map((d) => d.name));
  const liveKeys = new Set(after.keys.filter(live).map((k) => k.name));
  return [
    ...before.databases.filter((d) => !databases.has(d.name)).map((d) => `database ${d.name} was dropped`),
    ...before.keys
      .filter(live)
      .filter((k) => !liveKeys.has(k.name))
      .map((k) => `key ${k.name} was deleted or scheduled for deletion`),
  ];
}
