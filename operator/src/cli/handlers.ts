/**
 * What each command does once its flags are parsed. The defaults import the command's module only
 * when it runs; tests pass their own to check what the parser hands over.
 */
import type { AuditExportRequest } from './audit-export-command.js';
import type { AuditKeygenRequest, AuditNetworkRequest, AuditRequest, AuditVerifyRequest } from './audit-commands.js';
import type { AuditPeriodRequest } from './audit-period-command.js';
import type { ExportOpenRequest, ExportVerifyRequest } from './export-commands.js';
import type { CommandContext } from './program.js';
import type { AuditTrailInitRequest, AuditTrailVerifyRequest, TokenCreateRequest, TokenRevokeRequest } from './service-commands.js';
import type { TenantBackupsRequest, TenantSuspendRequest } from './tenant-commands.js';

export type Handler<Request> = (request: Request, context: CommandContext) => Promise<number>;

export interface Handlers {
  operator: Handler<Record<string, never>>;
  api: Handler<Record<string, never>>;
  tokenCreate: Handler<TokenCreateRequest>;
  tokenRevoke: Handler<TokenRevokeRequest>;
  audit: Handler<AuditRequest>;
  auditNetwork: Handler<AuditNetworkRequest>;
  auditVerify: Handler<AuditVerifyRequest>;
  auditPeriod: Handler<AuditPeriodRequest>;
  auditKeygen: Handler<AuditKeygenRequest>;
  auditExport: Handler<AuditExportRequest>;
  auditTrailVerify: Handler<AuditTrailVerifyRequest>;
  auditTrailInit: Handler<AuditTrailInitRequest>;
  exportVerify: Handler<ExportVerifyRequest>;
  tenantSuspend: Handler<TenantSuspendRequest>;
  tenantBackups: Handler<TenantBackupsRequest>;
  exportOpen: Handler<ExportOpenRequest>;
}

export const defaultHandlers: Handlers = {
  operator: async (_request, { cluster, io }) => {
    const { loadOperatorConfig, runOperator } = await import('./operator.js');
    await runOperator(loadOperatorConfig(io.env.BULKHEAD_CONFIG), cluster);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  },
  api: async (_request, { cluster, io }) => {
    const { loadApiConfig, runApi } = await import('./api.js');
    await runApi(loadApiConfig(io.env), cluster);
    return 0;
  },
  tokenCreate: async (request, context) => (await import('./tokens.js')).createToken(request, context),
  tokenRevoke: async (request, context) => (await import('./tokens.js')).revokeToken(request, context),
  audit: async (request, context) => (await import('./audit.js')).runAuditCommand(request, context),
  auditNetwork: async (request, context) => (await import('./audit-network.js')).runAuditNetwork(request, context),
  auditVerify: async (request, context) => (await import('./audit-verify.js')).runAuditVerify(request, context),
  auditPeriod: async (request, context) => (await import('./audit-period.js')).runAuditPeriod(request, context),
  auditKeygen: async (request, context) => (await import('./audit-keygen.js')).runAuditKeygen(request, context),
  auditExport: async (request, context) => (await import('./audit-export.js')).runAuditExport(request, context),
  auditTrailVerify: async (request, context) => (await import('./audit-trail.js')).verifyAuditTrail(request, context),
  auditTrailInit: async (request, context) => (await import('./audit-trail.js')).initAuditTrail(request, context),
  exportVerify: async (request, context) => Promise.resolve((await import('./export-verify.js')).runExportVerify(request, context)),
  tenantSuspend: async (request, context) => (await import('./tenant.js')).setSuspended(request, context),
  tenantBackups: async (request, context) => (await import('./tenant.js')).listBackups(request, context),
  exportOpen: async (request, context) => (await import('./export-open.js')).runExportOpen(request, context),
};
