/**
 * The OpenAPI 3.1 document, generated from the zod schemas in schemas.ts with zod's own
 * z.toJSONSchema (OpenAPI 3.1 schemas are JSON Schema 2020-12, which it emits), so the document
 * cannot drift from what the routes validate. Paths are assembled here from a small route table:
 * no library needed for that, and none of the zod-to-openapi libraries yet track zod 4 closely.
 */
import { z } from 'zod';
import { deletionPolicies } from '../api/index.js';
import { problemContentType } from './problems.js';
import { ListBackupsQuerySchema } from './restore-schemas.js';
import { ListTenantsQuerySchema, tenantStates } from './schemas.js';
// Registers the cell schemas in zod's global registry, which components() reads.
import './cells/schemas.js';
import '../audit/fleet/schema.js';

const requestSchemas = ['CreateTenantRequest', 'PatchTenantRequest', 'CreateRestoreRequest', 'RegisterCellRequest', 'ChangeCellRequest'];
const responseSchemas = [
  'TenantSummary',
  'TenantSuspension',
  'TenantTiers',
  'TenantList',
  'BackupSummary',
  'BackupList',
  'RestoreSummary',
  'PlanSummary',
  'PlanList',
  'CellSummary',
  'CellList',
  'FleetAuditReport',
  'FleetCell',
  'FleetCellReport',
  'Health',
  'Problem',
];

type JsonObject = Record<string, unknown>;

function components(io: 'input' | 'output', ids: string[]): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    ids.map((id) => {
      const { $schema: _schema, $id: _id, ...schema } = schemas[id] as JsonObject;
      return [id, schema];
    }),
  );
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string, description: string) => ({ description, content: { 'application/json': { schema: ref(id) } } });
const problem = (description: string) => ({ description, content: { [problemContentType]: { schema: ref('Problem') } } });

/** The problems every authenticated route may answer. */
const common = {
  400: problem('Malformed request'),
  401: problem('Missing, unknown, revoked or expired token'),
  403: problem("The caller's role may not do this"),
  429: problem('Rate limited; see Retry-After'),
};
/** Mutating routes: recorded in the audit trail first, so they fail closed without it. */
const recorded = {
  503: {
    ...problem("The audit trail cannot be written, or the tenant's cell cannot be reached; nothing was changed"),
    headers: { 'Retry-After': { schema: { type: 'string' } } },
  },
};
/** Reads of one tenant: its cell may be unreachable (cells/cell-stores.ts). */
const cellUnavailable = {
  503: { ...problem("The tenant's cell cannot be reached"), headers: { 'Retry-After': { schema: { type: 'string' } } } },
};
const requestIdHeader = { 'X-Request-Id': { description: 'The id of this call in the audit trail', schema: { type: 'string' } } };
const withBody = {
  ...common,
  413: problem('Body over 64 KiB'),
  415: problem('Body not JSON'),
  422: problem('Invalid field; errors name each field and rule'),
};
const nameParameter = { name: 'name', in: 'path', required: true, schema: { type: 'string', maxLength: 40 } };
const security = [{ bearer: [] }];

function queryParameters(schema: z.ZodObject = ListTenantsQuerySchema): JsonObject[] {
  return Object.entries(schema.shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema: z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }),
  }));
}

/** What parseIdempotencyKey accepts: 1 to 255 printable ASCII characters, bare or as a quoted string. */
const idempotencyKeySchema = { type: 'string', minLength: 1, maxLength: 257, pattern: '^([!-~]{1,255}|"[!-~]{1,255}")$' };

function paths(): JsonObject {
  return {
    '/v1/tenants': {
      post: {
        operationId: 'createTenant',
        summary: 'Onboard a tenant (roles: sales-ops, platform-admin)',
        security,
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: true, schema: idempotencyKeySchema }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('CreateTenantRequest') } } },
        responses: {
          202: {
            ...json('TenantSummary', 'Accepted; Location names the tenant'),
            headers: { Location: { schema: { type: 'string' } }, ...requestIdHeader },
          },
          ...withBody,
          ...recorded,
          409: problem('Name taken, a request with this key is in flight, or no open cell of the region has room'),
        },
      },
      get: {
        operationId: 'listTenants',
        summary: 'List tenants (all roles)',
        security,
        parameters: queryParameters(),
        responses: {
          200: json('TenantList', 'A page of tenants (with cells: of every cell, one cell after another)'),
          ...common,
          ...cellUnavailable,
          410: problem('Cursor expired'),
          422: problem('Invalid query'),
        },
      },
    },
    '/v1/tenants/{name}': {
      get: {
        operationId: 'getTenant',
        summary: 'A tenant and its progress (all roles)',
        security,
        parameters: [nameParameter],
        responses: { 200: json('TenantSummary', 'The tenant'), ...common, ...cellUnavailable, 404: problem('No such tenant') },
      },
      patch: {
        operationId: 'patchTenant',
        summary: 'Change plan, suspend or resume (sales-ops, platform-admin)',
        security,
        parameters: [nameParameter],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('PatchTenantRequest') },
            'application/merge-patch+json': { schema: ref('PatchTenantRequest') },
          },
        },
        responses: {
          200: { ...json('TenantSummary', 'The changed tenant'), headers: requestIdHeader },
          ...withBody,
          ...recorded,
          404: problem('No such tenant'),
          409: problem('Changed concurrently or being deleted'),
        },
      },
      delete: {
        operationId: 'deleteTenant',
        summary: 'Delete a tenant (platform-admin)',
        security,
        parameters: [
          nameParameter,
          { name: 'confirmDeletionPolicy', in: 'query', required: true, schema: { type: 'string', enum: [...deletionPolicies] } },
        ],
        responses: {
          202: { ...json('TenantSummary', 'Deletion started'), headers: requestIdHeader },
          ...common,
          ...recorded,
          404: problem('No such tenant'),
          409: problem('confirmDeletionPolicy differs from spec.database.deletionPolicy'),
          422: problem('confirmDeletionPolicy missing'),
        },
      },
    },
    ...restorePaths(),
    '/v1/audit/report': {
      get: {
        operationId: 'latestAuditReport',
        summary: 'The latest signed isolation audit report (auditor, platform-admin)',
        security,
        responses: {
          200: {
            description: 'The report exactly as signed (docs/auditors.md); verify it with `bulkhead audit verify`',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          ...common,
          404: problem('No report published yet'),
        },
      },
    },
    '/v1/fleet/audit-report': {
      get: {
        operationId: 'fleetAuditReport',
        summary: "Every cell's latest signed audit report, cells without one marked (auditor, platform-admin)",
        security,
        responses: {
          200: json('FleetAuditReport', 'One entry per registered cell; verify with `bulkhead audit verify --fleet` (docs/auditors.md)'),
          ...common,
          404: problem('No cell registry: the cluster report is GET /v1/audit/report'),
        },
      },
    },
    ...cellPaths(),
    '/v1/plans': {
      get: {
        operationId: 'listPlans',
        summary: 'Plans (all roles)',
        security,
        responses: { 200: json('PlanList', 'The plans'), ...common },
      },
    },
    '/healthz': { get: { operationId: 'healthz', summary: 'Liveness', responses: { 200: json('Health', 'Alive') } } },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: Kubernetes reachable',
        responses: { 200: json('Health', 'Ready'), 503: json('Health', 'Not ready') },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document (all roles)',
        security,
        responses: { 200: { description: 'OpenAPI 3.1' }, ...common },
      },
    },
  };
}

const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: true, schema: idempotencyKeySchema };
const restoreParameter = { name: 'restore', in: 'path', required: true, schema: { type: 'string', maxLength: 253 } };

/** A tenant's backups, restores of them, and a restore's progress (routes/backups.ts, routes/restores.ts). */
function restorePaths(): JsonObject {
  return {
    '/v1/tenants/{name}/backups': {
      get: {
        operationId: 'listBackups',
        summary: "The tenant's latest backups, newest first (all roles)",
        security,
        parameters: [nameParameter, ...queryParameters(ListBackupsQuerySchema)],
        responses: {
          200: json('BackupList', 'A page of backups'),
          ...common,
          404: problem('No such tenant'),
          422: problem('Invalid query'),
        },
      },
    },
    '/v1/tenants/{name}/restores': {
      post: {
        operationId: 'createRestore',
        summary: "Restore one of the tenant's backups into it (sales-ops, platform-admin; another tenant's: platform-admin)",
        security,
        parameters: [nameParameter, idempotencyKey],
        requestBody: { required: true, content: { 'application/json': { schema: ref('CreateRestoreRequest') } } },
        responses: {
          202: {
            ...json('RestoreSummary', 'Accepted; Location names the restore to follow'),
            headers: { Location: { schema: { type: 'string' } }, ...requestIdHeader },
          },
          ...withBody,
          ...recorded,
          404: problem('No such tenant'),
          409: problem('The tenant is being deleted, a request with this key is in flight, or fromTenant lives in another cell'),
        },
      },
    },
    '/v1/tenants/{name}/restores/{restore}': {
      get: {
        operationId: 'getRestore',
        summary: "A restore's progress (all roles)",
        security,
        parameters: [nameParameter, restoreParameter],
        responses: { 200: json('RestoreSummary', 'The restore'), ...common, 404: problem('No such restore of this tenant') },
      },
    },
  };
}

const cellNotConfigured = problem('No cell registry configured, or no such cell');

/** The cell registry's admin routes (routes/cells.ts), platform-admin only. */
function cellPaths(): JsonObject {
  return {
    '/v1/cells': {
      get: {
        operationId: 'listCells',
        summary: 'Cells and their load (platform-admin)',
        security,
        responses: { 200: json('CellList', 'The registered cells'), ...common, 404: cellNotConfigured },
      },
      post: {
        operationId: 'registerCell',
        summary: 'Register a cell (platform-admin)',
        security,
        requestBody: { required: true, content: { 'application/json': { schema: ref('RegisterCellRequest') } } },
        responses: {
          201: { ...json('CellSummary', 'Registered; Location names the cell'), headers: requestIdHeader },
          ...withBody,
          ...recorded,
          404: cellNotConfigured,
          409: problem('A cell of that name is registered already'),
        },
      },
    },
    '/v1/cells/{cell}': {
      patch: {
        operationId: 'changeCell',
        summary: 'Drain, close, reopen or resize a cell (platform-admin)',
        security,
        parameters: [{ name: 'cell', in: 'path', required: true, schema: { type: 'string', maxLength: 32 } }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('ChangeCellRequest') } } },
        responses: {
          200: { ...json('CellSummary', 'The changed cell'), headers: requestIdHeader },
          ...withBody,
          ...recorded,
          404: cellNotConfigured,
        },
      },
    },
  };
}

export function openApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bulkhead onboarding API',
      version: '0.1.0',
      description: `Onboard tenants and follow their progress. Tenant states: ${tenantStates.join(', ')}. Errors are RFC 9457 problem details.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: paths(),
    components: {
      schemas: { ...components('input', requestSchemas), ...components('output', responseSchemas) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Bulkhead API token (bht_...) or, when configured, an OIDC JWT.' },
      },
    },
  };
}
