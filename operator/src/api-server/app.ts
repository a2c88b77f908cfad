/**
 * createApp: the onboarding API as an express app, wired from its dependencies. Order matters:
 * security headers on everything; probes before authentication; then authentication, the rate
 * limit per caller, the audit trail's attempt record for mutating calls (before the body is parsed,
 * so refused bodies are recorded too), body parsing, the routes (each checking its action), and the
 * problem handler.
 */
import express, { type Express } from 'express';
import { recordMutations } from './audit-trail/record-mutations.js';
import { allow, authenticate } from './auth.js';
import { tenantsPath, type AppDeps } from './deps.js';
import { InFlightRequests } from './idempotency.js';
import { errorHandler, jsonBody, notFoundRoute, rateLimit, requestLog, securityHeaders } from './middleware.js';
import { openApiDocument } from './openapi.js';
import { RateLimiter } from './rate-limit.js';
import { deleteTenantHandler, patchTenantHandler } from './routes/change-tenant.js';
import { latestAuditReportHandler } from './routes/audit-report.js';
import { createTenantHandler } from './routes/create-tenant.js';
import { healthzHandler, readyzHandler } from './routes/health.js';
import { listPlansHandler } from './routes/plans.js';
import { getTenantHandler, listTenantsHandler } from './routes/read-tenants.js';

export function createApp(deps: AppDeps): Express {
  const clock = deps.clock ?? (() => new Date());
  const limiter = deps.rateLimiter ?? new RateLimiter({ capacity: 60, refillPerSecond: 10 });
  const inFlight = deps.inFlight ?? new InFlightRequests();
  const document = openApiDocument();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(securityHeaders, requestLog(deps.logger));
  app.get('/healthz', healthzHandler);
  app.get('/readyz', readyzHandler(deps));
  app.use(authenticate(deps.auth), rateLimit(limiter, clock));
  if (deps.auditTrail) app.use(recordMutations({ trail: deps.auditTrail, logger: deps.logger, clock }));
  app.use(...jsonBody());
  app.get('/openapi.json', allow('openapi:read'), (_request, response) => { response.json(document); });
  app.post(tenantsPath, createTenantHandler(deps, inFlight));
  app.get(tenantsPath, allow('tenants:read'), listTenantsHandler(deps));
  app.get(`${tenantsPath}/:name`, allow('tenants:read'), getTenantHandler(deps));
  app.patch(`${tenantsPath}/:name`, patchTenantHandler(deps));
  app.delete(`${tenantsPath}/:name`, deleteTenantHandler(deps));
  app.get('/v1/plans', allow('plans:read'), listPlansHandler(deps));
  app.get('/v1/audit/report', allow('audit:read'), latestAuditReportHandler(deps));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
