/**
 * The Tenant and TenantRestore stores of the cells: a KubeTenantStore and a KubeRestoreStore per
 * cell, on one client built from the kubeconfig in the cell's Secret (read from the API's own
 * cluster), with a short connect timeout.
 *
 * A cell that cannot be reached (refused, timed out, a 5xx, or its Secret unreadable) answers
 * 503 `cell-unavailable` for the calls about its tenants only: the error is mapped where the
 * store is called, so another cell's calls never wait on it. The kubeconfig itself is never
 * logged nor put in a problem; the Secret's name is.
 */
import { KubeApiError } from '../../kube/errors.js';
import { KubeClient } from '../../kube/client.js';
import { fromKubeconfigText } from '../../kube/cluster-access.js';
import { Transport } from '../../kube/transport.js';
import type { Logger } from '../../runtime/logging.js';
import type { KubeObject } from '../../runtime/types.js';
import { errorFields } from '../../runtime/logging.js';
import { ApiProblem } from '../problems.js';
import { KubeRestoreStore, type RestoreStore } from '../restore-store.js';
import { KubeTenantStore, type TenantStore } from '../tenant-store.js';
import type { Cell } from './placement.js';

/** The Secret key holding the kubeconfig, as `kubectl create secret generic --from-file=kubeconfig=...` writes it. */
export const kubeconfigKey = 'kubeconfig';
/** How long a cell's client is kept before its Secret is read again (credentials rotate). */
const clientTtlMs = 60_000;

export interface CellClientLimits {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

export const defaultCellLimits: CellClientLimits = { connectTimeoutMs: 2_000, requestTimeoutMs: 10_000 };

export function cellUnavailable(cell: string): ApiProblem {
  return new ApiProblem({
    status: 503,
    type: 'cell-unavailable',
    title: 'Cell unavailable',
    detail: `The tenant lives in cell ${cell}, which cannot be reached now; nothing was changed. Retry later.`,
    headers: { 'Retry-After': '10' },
  });
}

/** A Kubernetes answer is the cell speaking (404, 409, 422 keep their meaning); anything else means it could not. */
const cellDown = (error: unknown): boolean => !(error instanceof KubeApiError) || error.code >= 500;

type Guard = <R>(action: () => Promise<R>) => Promise<R>;

function guardFor(cell: string, logger: Logger): Guard {
  return async (action) => {
    try {
      return await action();
    } catch (error) {
      if (!cellDown(error)) throw error;
      logger.warn('Cell unavailable', { cell, ...errorFields(error) });
      throw cellUnavailable(cell);
    }
  };
}

function guarded(store: TenantStore, run: Guard): TenantStore {
  return {
    get: (name) => run(() => store.get(name)),
    list: (options) => run(() => store.list(options)),
    create: (tenant) => run(() => store.create(tenant)),
    mergePatch: (name, patch) => run(() => store.mergePatch(name, patch)),
    delete: (name, uid) => run(() => store.delete(name, uid)),
    getPlan: (name) => run(() => store.getPlan(name)),
    listPlans: () => run(() => store.listPlans()),
  };
}

function guardedRestores(store: RestoreStore, run: Guard): RestoreStore {
  return {
    get: (name) => run(() => store.get(name)),
    create: (restore) => run(() => store.create(restore)),
  };
}

interface CachedClient {
  client: KubeClient;
  store: TenantStore;
  restores: RestoreStore;
  expires: number;
}

/** A YAML parser's error quotes the text around the fault, which here may be a token: that is never logged. */
function parseKubeconfig(text: string, source: string) {
  try {
    return fromKubeconfigText(text, source);
  } catch (error) {
    if ((error as Error).name === 'YAMLParseError') throw new Error(`${source}: the kubeconfig is not valid YAML (details withheld)`);
    throw error;
  }
}

export class CellTenantStores {
  private readonly clients = new Map<string, CachedClient>();

  constructor(
    /** The API's own cluster, where the cells' Secrets are. */
    private readonly local: KubeClient,
    private readonly logger: Logger,
    private readonly limits: CellClientLimits = defaultCellLimits,
  ) {}

  async storeFor(cell: Cell): Promise<TenantStore> {
    return (await this.cached(cell)).store;
  }

  /** Where the restores of the cell's tenants are made and read (docs/cells.md). */
  async restoreStoreFor(cell: Cell): Promise<RestoreStore> {
    return (await this.cached(cell)).restores;
  }

  /** The cell's client itself, for reads other than Tenants' (the fleet audit report); its errors are the caller's to map. */
  async clientFor(cell: Cell): Promise<KubeClient> {
    return (await this.cached(cell)).client;
  }

  private async cached(cell: Cell): Promise<CachedClient> {
    const cached = this.clients.get(cell.name);
    if (cached && cached.expires > Date.now()) return cached;
    cached?.client.close();
    this.clients.delete(cell.name);
    const client = new KubeClient(new Transport(await this.access(cell), undefined, this.limits));
    const run = guardFor(cell.name, this.logger);
    const fresh = {
      client,
      store: guarded(new KubeTenantStore(client), run),
      restores: guardedRestores(new KubeRestoreStore(client), run),
      expires: Date.now() + clientTtlMs,
    };
    this.clients.set(cell.name, fresh);
    return fresh;
  }

  /** Why the cell's Secret does not hold a usable kubeconfig, or undefined when it does; for registering a cell. */
  async credentialsProblem(cell: Cell): Promise<string | undefined> {
    try {
      await this.readAccess(cell);
      return undefined;
    } catch (error) {
      return errorFields(error).error;
    }
  }

  private async readAccess(cell: Cell) {
    const { namespace, name } = cell.kubeconfigSecret;
    const source = `Secret ${namespace}/${name}`;
    const secret = await this.local.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      name,
    });
    const data = secret?.data?.[kubeconfigKey];
    if (data === undefined) throw new Error(`${source} is missing or has no ${kubeconfigKey} key`);
    return parseKubeconfig(Buffer.from(data, 'base64').toString('utf8'), source);
  }

  private async access(cell: Cell) {
    try {
      return await this.readAccess(cell);
    } catch (error) {
      const { namespace, name } = cell.kubeconfigSecret;
      this.logger.warn('Cannot read the credentials of a cell', {
        cell: cell.name,
        secret: `Secret ${namespace}/${name}`,
        ...errorFields(error),
      });
      throw cellUnavailable(cell.name);
    }
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }
}
