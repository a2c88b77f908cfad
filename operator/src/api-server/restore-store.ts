/**
 * What the restore routes need of Kubernetes: a TenantRestore created and read by name, nothing
 * more (the chart grants the API exactly create and get on tenantrestores). Behind an interface,
 * as TenantStore is, so a spec can wrap the real store.
 */
import { apiVersion } from '../api/index.js';
import { TenantRestoreSchema, tenantRestoreKind, type TenantRestore } from '../api/tenant-restore.js';
import type { KubeClient } from '../kube/client.js';
import { apiFieldManager } from './tenant-store.js';

export interface RestoreStore {
  get(name: string): Promise<TenantRestore | undefined>;
  create(restore: TenantRestore): Promise<TenantRestore>;
}

export class KubeRestoreStore implements RestoreStore {
  constructor(private readonly client: KubeClient) {}

  async get(name: string): Promise<TenantRestore | undefined> {
    const object = await this.client.get({ apiVersion, kind: tenantRestoreKind, name });
    return object === undefined ? undefined : TenantRestoreSchema.parse(object);
  }

  async create(restore: TenantRestore): Promise<TenantRestore> {
    return TenantRestoreSchema.parse(await this.client.create(restore, { fieldManager: apiFieldManager }));
  }
}
