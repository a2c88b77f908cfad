/**
 * Which cluster a tenant call goes to. With no cell registered the API is what it always was:
 * every Tenant lives in the cluster the API runs in (the one implicit cell). Once cells are
 * registered, new tenants are placed in them by the placement rule, and a tenant with a placement
 * is found in its cell; a tenant without one (created before cells were registered) is still
 * found in the local cluster. Moving a tenant between cells is not done here (decision 0042).
 */
import type { KubeClient } from '../../kube/client.js';
import type { AlongsideRecord } from '../audit-trail/store.js';
import { ApiProblem } from '../problems.js';
import type { RestoreStore } from '../restore-store.js';
import type { TenantStore } from '../tenant-store.js';
import type { CellTenantStores } from './cell-stores.js';
import { leastLoadedOpenCell, type Cell, type PlacementRule } from './placement.js';
import type { PgCellRegistry } from './registry.js';

/** Where a create goes, and what to do with the placement once the create succeeded or failed. */
export interface CreateTarget {
  store: TenantStore;
  /** The cell chosen, none for the local cluster. */
  cell?: string;
  /** Forgets a placement this attempt made (none for a retry or the local cluster). */
  release(): Promise<void>;
  /** Marks the placement recorded, in the outcome audit record's transaction when there is a trail. */
  confirmWithin?: AlongsideRecord;
}

export interface CreateRequest {
  name: string;
  region: string;
  idempotencyRecord: string;
}

export function noCellProblem(region: string): ApiProblem {
  return new ApiProblem({
    status: 409,
    type: 'no-cell-for-region',
    title: 'No cell for the region',
    detail: `No open cell serving region ${region} has room for another tenant; nothing was created.`,
    errors: [{ field: 'region', rule: 'openCellWithRoom', message: `no open cell with room in ${region}` }],
  });
}

export function tenantExistsProblem(name: string): ApiProblem {
  return new ApiProblem({
    status: 409,
    type: 'tenant-exists',
    title: 'Tenant exists',
    detail: `A tenant named ${name} already exists.`,
    errors: [{ field: 'name', rule: 'unique' }],
  });
}

export class TenantCells {
  constructor(
    readonly registry: PgCellRegistry,
    private readonly stores: CellTenantStores,
    private readonly local: TenantStore,
    private readonly rule: PlacementRule = leastLoadedOpenCell,
  ) {}

  /** The store holding `name`: its cell's, or the local cluster's. */
  async storeFor(name: string): Promise<TenantStore> {
    const cell = await this.registry.placementOf(name);
    return cell ? this.stores.storeFor(cell) : this.local;
  }

  /** The cell holding `name`, undefined for the local cluster. */
  async cellOf(name: string): Promise<string | undefined> {
    return (await this.registry.placementOf(name))?.name;
  }

  /** Where `name`'s restores are made and read: its cell's cluster, or undefined for the local one. */
  async restoreStoreFor(name: string): Promise<RestoreStore | undefined> {
    const cell = await this.registry.placementOf(name);
    return cell ? this.stores.restoreStoreFor(cell) : undefined;
  }

  /** The cell's own client, for what the fleet audit report reads there (fleet-reports.ts). */
  clientFor(cell: Cell): Promise<KubeClient> {
    return this.stores.clientFor(cell);
  }

  /** Why a cell about to be registered could not be reached with its Secret's kubeconfig; undefined when it could. */
  credentialsProblem(cell: Cell): Promise<string | undefined> {
    return this.stores.credentialsProblem(cell);
  }

  /**
   * What GET /v1/tenants reads, in order: every registered cell by name; the local cluster alone
   * when none is registered. (Tenants created locally before cells were registered are then not
   * listed, though each is still found by name: decision 0042.)
   */
  async listingSources(): Promise<{ cell?: string; store: TenantStore }[]> {
    const loads = await this.registry.loads();
    if (loads.length === 0) return [{ store: this.local }];
    return Promise.all(loads.map(async ({ cell }) => ({ cell: cell.name, store: await this.stores.storeFor(cell) })));
  }

  /** Places a new tenant (or finds where this call's first attempt did); throws the refusals as problems. */
  async targetForCreate(request: CreateRequest, keyReused: () => ApiProblem): Promise<CreateTarget> {
    const placed = await this.registry.place(request.name, request.region, request.idempotencyRecord, this.rule);
    const noRelease = () => Promise.resolve();
    switch (placed.outcome) {
      case 'no-cells-registered':
        return { store: this.local, release: noRelease };
      case 'no-cell':
        throw noCellProblem(request.region);
      case 'name-taken':
        throw tenantExistsProblem(request.name);
      case 'key-reused':
        throw keyReused();
      case 'replayed':
        return { store: await this.stores.storeFor(placed.cell), cell: placed.cell.name, release: noRelease };
    }
    const release = () => this.registry.release(request.name, request.idempotencyRecord);
    const store = await this.stores.storeFor(placed.cell).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    return {
      store,
      cell: placed.cell.name,
      release,
      confirmWithin: this.registry.confirmWithin(request.name),
    };
  }

  async close(): Promise<void> {
    this.stores.close();
    await this.registry.close();
  }

  /** A read found the tenant gone from its cell (deleted, finalizers done): its name and place are free again. */
  async forgetGone(name: string, store: TenantStore): Promise<void> {
    if (store !== this.local) await this.registry.forgetConfirmed(name);
  }

  /** After a DELETE found the Tenant gone from its cell: its name and the cell's capacity are free again. */
  async forgetDeleted(name: string, store: TenantStore): Promise<void> {
    if (store !== this.local) await this.registry.forget(name);
  }
}
