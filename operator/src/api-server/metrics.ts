/**
 * The onboarding API's Prometheus metrics, served on a port of their own (server.ts), never on the
 * API's: bulkhead_api_request_duration_seconds{method,route,status} and Node's process metrics.
 * `route` is the route template (`/v1/tenants/:name`), never the path as sent: a caller, even an
 * unauthenticated one, cannot mint series by spraying paths. A request refused before it reached
 * its route (401, 429) still counts under that route's template; a path no route has is `unmatched`.
 */
import type { Express, RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Request latency from a cached GET (a millisecond) to a create waiting on kube-apiserver and the audit trail. */
const requestBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export class ApiMetrics {
  readonly registry: Registry;
  private readonly requests: Histogram<'method' | 'route' | 'status'>;

  constructor(options: { registry?: Registry; collectDefaultMetrics?: boolean } = {}) {
    this.registry = options.registry ?? new Registry();
    if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'bulkhead_api_request_duration_seconds',
      help: 'Duration of onboarding API requests, by method, route template (unmatched: no route has the path) and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: requestBuckets,
      registers: [this.registry],
    });
  }

  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void {
    const method = knownMethods.has(labels.method) ? labels.method : 'other';
    this.requests.observe({ method, route: labels.route, status: String(labels.status) }, seconds);
  }
}

/** Whether `path` is one `template` names: the same segments, a `:name` segment standing for any one (non-empty) segment. */
export function matchesTemplate(template: string, path: string): boolean {
  const want = template.split('/');
  const have = path.split('/');
  return want.length === have.length && want.every((segment, i) => (segment.startsWith(':') ? have[i] !== '' : segment === have[i]));
}

/** The route templates of `app`, read from express's own router table (router 2.x, as audit-trail/guard.ts reads it). */
function routeTemplates(app: Express): string[] {
  const stack = (app.router as unknown as { stack: { route?: { path: unknown } }[] }).stack;
  return stack.flatMap((layer) => (typeof layer.route?.path === 'string' ? [layer.route.path] : []));
}

/** Times every request of `app` once it is answered, under its route template. Goes first, so refusals count too. */
export function requestMetrics(app: Express, metrics: ApiMetrics): RequestHandler {
  let templates: string[] | undefined;
  const routeOf = (path: string): string => {
    templates ??= routeTemplates(app); // read on the first request: the routes are declared after this handler
    return templates.find((template) => matchesTemplate(template, path)) ?? 'unmatched';
  };
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const matched = (request.route as { path?: unknown } | undefined)?.path;
      const route = typeof matched === 'string' ? matched : routeOf(request.path);
      metrics.observeRequest(
        { method: request.method, route, status: response.statusCode },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}
