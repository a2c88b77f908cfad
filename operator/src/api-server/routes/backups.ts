/**
 * GET /v1/tenants/{name}/backups: the latest backups the tenant's status lists, newest first, a
 * page at a time behind the same opaque cursor as the tenant list (cursor.ts; here it holds the
 * last id returned). Ids, times, sizes and kinds only: where and how an archive is stored (bucket,
 * key id, credentials) is the operator's business and never leaves it.
 */
import type { Request, Response } from 'express';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { tenantStoreFor, type AppDeps } from '../deps.js';
import { ListBackupsQuerySchema } from '../restore-schemas.js';
import { backupPage, backupSummaries } from '../restore-summary.js';
import { parseOrRefuse } from '../validate.js';
import { readTenantOr404, tenantNameParam } from './read-tenants.js';

export function listBackupsHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const name = tenantNameParam(request);
    const tenant = await readTenantOr404(await tenantStoreFor(deps, name), name);
    const query = parseOrRefuse(ListBackupsQuerySchema, request.query);
    const { after } = decodeCursor(query.cursor);
    const { items, nextAfter } = backupPage(backupSummaries(tenant), after, query.limit);
    response.json({
      items,
      lastAttemptAt: tenant.status?.backups?.lastAttemptTime ?? null,
      nextCursor: nextAfter === undefined ? null : encodeCursor({ after: nextAfter }),
    });
  };
}
