/**
 * GET /v1/tenants/{name} and GET /v1/tenants: tenant summaries, filtered by plan, region and
 * readiness, a page at a time behind an opaque cursor (cursor.ts explains its contents).
 */
import type { Request, Response } from 'express';
import type { Tenant } from '../../api/index.js';
import { isGone } from '../../kube/errors.js';
import { decodeCursor, encodeCursor, expiredCursorProblem, type Cursor } from '../cursor.js';
import { tenantStoreFor, tenantsPath, type AppDeps } from '../deps.js';
import { notFoundProblem } from '../problems.js';
import { ListTenantsQuerySchema, TenantNameSchema, type ListTenantsQuery, type TenantSummary } from '../schemas.js';
import { tenantSummary } from '../summary.js';
import type { TenantStore } from '../tenant-store.js';
import { parseOrRefuse } from '../validate.js';

/** The name from the path, checked before it reaches the Kubernetes API. */
export function tenantNameParam(request: Request): string {
  const name = request.params.name;
  const result = TenantNameSchema.safeParse(name);
  if (!result.success) throw notFoundProblem(`The tenant ${JSON.stringify(String(name).slice(0, 64))}`);
  return result.data;
}

export async function readTenantOr404(store: TenantStore, name: string): Promise<Tenant> {
  const tenant = await store.get(name);
  if (!tenant) throw notFoundProblem(`The tenant ${name}`);
  return tenant;
}

export function getTenantHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const name = tenantNameParam(request);
    const store = await tenantStoreFor(deps, name);
    const tenant = await store.get(name);
    if (!tenant) {
      // Its cell no longer holds it: the deletion finished, so the name and the cell's place are free.
      await deps.cells?.forgetGone(name, store);
      throw notFoundProblem(`The tenant ${name}`);
    }
    response.json(tenantSummary(tenant, tenantsPath));
  };
}

function matches(summary: TenantSummary, query: ListTenantsQuery): boolean {
  return (
    (query.plan === undefined || summary.plan === query.plan) &&
    (query.region === undefined || summary.region === query.region) &&
    (query.ready === undefined || String(summary.ready) === query.ready)
  );
}

/** Server pages are larger than ours so that filtered listings need few round trips. */
const serverPageSize = 200;

async function readPage(store: TenantStore, cursor: Cursor) {
  try {
    return await store.list({ limit: serverPageSize, continue: cursor.c });
  } catch (error) {
    if (isGone(error)) throw expiredCursorProblem();
    throw error;
  }
}

interface Collected {
  items: TenantSummary[];
  next: Cursor | undefined;
}

/** Collects up to `limit` matching summaries of one store from the cursor on; returns the next cursor if more may follow. */
async function collectFrom(store: TenantStore, query: ListTenantsQuery, start: Cursor, limit: number): Promise<Collected> {
  const items: TenantSummary[] = [];
  let cursor = start;
  for (;;) {
    const page = await readPage(store, cursor);
    const fresh = page.items.filter((tenant) => cursor.after === undefined || tenant.metadata.name > cursor.after);
    for (const [index, tenant] of fresh.entries()) {
      const summary = tenantSummary(tenant, tenantsPath);
      if (matches(summary, query)) items.push(summary);
      if (items.length < limit) continue;
      const exhausted = index === fresh.length - 1 && !page.continue;
      return { items, next: exhausted ? undefined : { c: cursor.c, after: tenant.metadata.name } };
    }
    if (!page.continue) return { items, next: undefined };
    cursor = { c: page.continue };
  }
}

async function listingSources(deps: AppDeps): Promise<{ cell?: string; store: TenantStore }[]> {
  return deps.cells ? deps.cells.listingSources() : [{ store: deps.tenants }];
}

/** Collects a page over the sources (the cells, one after another, or the local cluster), from the cursor on. */
async function collect(deps: AppDeps, query: ListTenantsQuery): Promise<Collected> {
  const sources = await listingSources(deps);
  const { s: startCell, ...start } = decodeCursor(query.cursor);
  const first = startCell === undefined ? 0 : sources.findIndex((source) => source.cell === startCell);
  // The cell this cursor was listing is no longer registered (or cells came or went): start again.
  if (first < 0) throw expiredCursorProblem();
  const items: TenantSummary[] = [];
  let cursor: Cursor = start;
  for (const [index, source] of sources.entries()) {
    if (index < first) continue;
    const collected = await collectFrom(source.store, query, cursor, query.limit - items.length);
    items.push(...collected.items);
    if (collected.next) return { items, next: { ...collected.next, s: source.cell } };
    const following = sources[index + 1];
    if (items.length >= query.limit) return { items, next: following && { s: following.cell } };
    cursor = {};
  }
  return { items, next: undefined };
}

export function listTenantsHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const query = parseOrRefuse(ListTenantsQuerySchema, request.query);
    const { items, next } = await collect(deps, query);
    response.json({ items, nextCursor: next ? encodeCursor(next) : null });
  };
}
