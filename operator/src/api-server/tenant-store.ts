/**
 * What the API needs of Kubernetes, behind an interface: Tenants and TenantPlans read, listed and
 * written through KubeClient. Routes depend on the interface, so a spec can wrap the real store
 * (e.g. to hold a create open and see the in-flight 409) while still talking to a real server.
 */
import { apiVersion, TenantPlanSchema, TenantSchema, tenantKind, tenantPlanKind, type Tenant, type TenantPlan } from '../api/index.js';
import type { KubeClient } from '../kube/client.js';

/** The field manager of the API's writes, so `managedFields` shows who changed what. */
export const apiFieldManager = 'bulkhead-api';

export interface TenantPage {
  items: Tenant[];
  continue?: string;
}

export interface TenantStore {
  get(name: string): Promise<Tenant | undefined>;
  list(options: { limit: number; continue?: string; labelSelector?: string }): Promise<TenantPage>;
  create(tenant: Tenant): Promise<Tenant>;
  mergePatch(name: string, patch: unknown): Promise<Tenant>;
  /** Deletes this incarnation only (uid precondition); false when it was already gone. */
  delete(name: string, uid: string): Promise<boolean>;
  getPlan(name: string): Promise<TenantPlan | undefined>;
  listPlans(): Promise<TenantPlan[]>;
}

const tenantRef = (name: string) => ({ apiVersion, kind: tenantKind, name });

export class KubeTenantStore implements TenantStore {
  constructor(private readonly client: KubeClient) {}

  async get(name: string): Promise<Tenant | undefined> {
    const object = await this.client.get(tenantRef(name));
    return object === undefined ? undefined : TenantSchema.parse(object);
  }

  async list(options: { limit: number; continue?: string; labelSelector?: string }): Promise<TenantPage> {
    const page = await this.client.list(apiVersion, tenantKind, options);
    return { items: page.items.map((item) => TenantSchema.parse(item)), continue: page.continue };
  }

  async create(tenant: Tenant): Promise<Tenant> {
    return TenantSchema.parse(await this.client.create(tenant, { fieldManager: apiFieldManager }));
  }

  async mergePatch(name: string, patch: unknown): Promise<Tenant> {
    return TenantSchema.parse(await this.client.mergePatch(tenantRef(name), patch, { fieldManager: apiFieldManager }));
  }

  async delete(name: string, uid: string): Promise<boolean> {
    return this.client.delete(tenantRef(name), { uid });
  }

  async getPlan(name: string): Promise<TenantPlan | undefined> {
    const object = await this.client.get({ apiVersion, kind: tenantPlanKind, name });
    return object === undefined ? undefined : TenantPlanSchema.parse(object);
  }

  async listPlans(): Promise<TenantPlan[]> {
    const page = await this.client.list(apiVersion, tenantPlanKind, { limit: 500 });
    return page.items.map((item) => TenantPlanSchema.parse(item));
  }
}
