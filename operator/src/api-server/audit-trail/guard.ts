/**
 * The check that keeps "every change is recorded" true as routes are added: an app in which some
 * route answers POST, PUT, PATCH or DELETE (or every method, `app.all`) without the change recorder
 * as that method's first handler does not start. The routes are read from express's own router,
 * the same table that decides which handler a request reaches, so no list of paths can drift.
 */
import type { Express, RequestHandler } from 'express';

const mutatingMethods = ['post', 'put', 'patch', 'delete'];

/** The parts of express's router (router 2.x) this check reads. */
interface RouteLayer {
  /** A mounted router or sub-app has a stack of its own. */
  handle: unknown;
  route?: {
    path: unknown;
    methods: Record<string, boolean | undefined>;
    /** One layer per handler; `method` is lowercase, or undefined for `app.all`. */
    stack: { method?: string; handle: unknown }[];
  };
}

function unrecordedMethods(route: NonNullable<RouteLayer['route']>, recorder: RequestHandler): string[] {
  const handled = mutatingMethods.filter((method) => route.methods[method] || route.methods._all);
  return handled
    .filter((method) => {
      // The handler that runs first for this method: one registered for it, or for all methods.
      const first = route.stack.find((layer) => layer.method === undefined || layer.method === method);
      return first?.handle !== recorder;
    })
    .map((method) => `${method.toUpperCase()} ${String(route.path)}`);
}

/**
 * The mutating routes of `app` that do not start with `recorder`, as `METHOD path`. A mounted
 * router is reported too: its routes are out of this check's sight, so the API keeps its routes on
 * the app itself.
 */
export function unrecordedRoutes(app: Express, recorder: RequestHandler): string[] {
  const stack = (app.router as unknown as { stack: RouteLayer[] }).stack;
  return stack.flatMap((layer) => {
    if (layer.route) return unrecordedMethods(layer.route, recorder);
    const mounted = typeof layer.handle === 'function' && Array.isArray((layer.handle as { stack?: unknown }).stack);
    return mounted ? ['a mounted router (its routes cannot be checked)'] : [];
  });
}

/** Throws, naming them, when some mutating route would change things unrecorded. */
export function assertChangesRecorded(app: Express, recorder: RequestHandler): void {
  const unrecorded = unrecordedRoutes(app, recorder);
  if (unrecorded.length > 0) {
    throw new Error(`mutating routes without the audit trail recorder as their first handler: ${unrecorded.join(', ')}`);
  }
}
