/**
 * createApp: the onboarding API as an express app, wired from its dependencies. Order matters:
 * request metrics first, so every answer is counted; security headers on everything; probes
 * before authentication; then authentication and the rate limit per caller; then the routes (each
 * checking its action). A route that may change something
 * starts with the audit trail's recorder, before its body is parsed so that refused bodies are
 * recorded too; guard.ts refuses to build an app where one does not. Last, the 404 and the problem
 * handler.
 *
 * Routing is case-sensitive and strict: `/V1/Tenants` and `/v1/tenants/` are not other names for
 * `/v1/tenants` but 404s, so each route has exactly one spelling (percent-encoding and dot segments
 * in the fixed part of a path never match either: express matches the path as sent, undecoded and
 * unnormalized). Only a path parameter is decoded, and the route validates it.
 */
import express, { type Express } from 'express';
import { assertChangesRecorded } from './audit-trail/guard.js';
import { changeRecorder } from './audit-trail/record-mutations.js';
import { allow, authenticate } from './auth.js';
import { tenantsPath, type AppDeps } from './deps.js';
import { InFlightRequests } from './idempotency.js';
import { requestMetrics } from './metrics.js';
import { errorHandler, jsonBody, notFoundRoute, rateLimit, requestLog, securityHeaders } from './middleware.js';
import { openApiDocument } from './openapi.js';
import { LocalRateLimit } from './rate-limit/local.js';
import { deleteTenantHandler, patchTenantHandler } from './routes/change-tenant.js';
import { latestAuditReportHandler } from './routes/audit-report.js';
import { listBackupsHandler } from './routes/backups.js';
import { cellsPath, changeCellHandler, listCellsHandler, registerCellHandler } from './routes/cells.js';
import { createTenantHandler } from './routes/create-tenant.js';
import { fleetAuditReportHandler, fleetAuditReportPath } from './routes/fleet-audit-report.js';
import { healthzHandler, readyzHandler } from './routes/health.js';
import { listPlansHandler } from './routes/plans.js';
import { getTenantHandler, listTenantsHandler } from './routes/read-tenants.js';
import { createRestoreHandler, getRestoreHandler } from './routes/restores.js';

export function createApp(deps: AppDeps): Express {
  const clock = deps.clock ?? (() => new Date());
  const limiter = deps.rateLimit ?? new LocalRateLimit({ capacity: 60, refillPerSecond: 10 });
  const inFlight = deps.inFlight ?? new InFlightRequests();
  const document = openApiDocument();
  const app = express();
  // Before the first route: express creates its router, with these settings, on first use.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.metrics) app.use(requestMetrics(app, deps.metrics));
  app.use(securityHeaders, requestLog(deps.logger));
  app.get('/healthz', healthzHandler);
  app.get('/readyz', readyzHandler(deps));
  app.use(authenticate(deps.auth), rateLimit(limiter));
  const recorded = changeRecorder({ trail: deps.auditTrail, logger: deps.logger, clock });
  app.get('/openapi.json', allow('openapi:read'), (_request, response) => {
    response.json(document);
  });
  app.post(tenantsPath, recorded, ...jsonBody(), createTenantHandler(deps, inFlight));
  app.get(tenantsPath, allow('tenants:read'), listTenantsHandler(deps));
  app.get(`${tenantsPath}/:name`, allow('tenants:read'), getTenantHandler(deps));
  app.patch(`${tenantsPath}/:name`, recorded, ...jsonBody(), patchTenantHandler(deps));
  app.delete(`${tenantsPath}/:name`, recorded, deleteTenantHandler(deps));
  app.get(`${tenantsPath}/:name/backups`, allow('backups:read'), listBackupsHandler(deps));
  app.post(`${tenantsPath}/:name/restores`, recorded, ...jsonBody(), createRestoreHandler(deps, inFlight));
  app.get(`${tenantsPath}/:name/restores/:restore`, allow('restores:read'), getRestoreHandler(deps));
  app.get('/v1/plans', allow('plans:read'), listPlansHandler(deps));
  app.get('/v1/audit/report', allow('audit:read'), latestAuditReportHandler(deps));
  app.get(fleetAuditReportPath, allow('audit:read'), fleetAuditReportHandler(deps));
  app.get(cellsPath, allow('cells:read'), listCellsHandler(deps));
  app.post(cellsPath, recorded, ...jsonBody(), registerCellHandler(deps));
  app.patch(`${cellsPath}/:cell`, recorded, ...jsonBody(), changeCellHandler(deps));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  assertChangesRecorded(app, recorded);
  return app;
}
