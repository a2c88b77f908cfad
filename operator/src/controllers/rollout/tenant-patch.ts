/**
 * The merge patch that moves one Tenant: its bulkhead.dev/app-version annotation (the tenant
 * controller watches it and deploys that version), plus on a move forward the Rollout that moved
 * it and, the first time, the version it ran before. The patch carries the resourceVersion the
 * plan was made from, so a Tenant that changed meanwhile (pinned, say) is refused with a conflict
 * and re-planned instead of moved on stale facts. A merge patch, not an apply: annotations are
 * shared with people, and the rollout must own none of the Tenant's fields.
 */
import { appVersionAnnotation, previousAppVersionAnnotation, rolloutAnnotation } from '../../api/rollout.js';
import type { TenantVersionPatch } from './plan-types.js';

export interface TenantPatchBody {
  metadata: { resourceVersion?: string; annotations: Record<string, string | null> };
}

export function tenantPatchBody(patch: TenantVersionPatch): TenantPatchBody {
  const annotations: Record<string, string | null> = { [appVersionAnnotation]: patch.version };
  if (patch.movedBy !== undefined) annotations[rolloutAnnotation] = patch.movedBy;
  if (patch.previousVersion !== undefined) annotations[previousAppVersionAnnotation] = patch.previousVersion;
  return { metadata: { resourceVersion: patch.resourceVersion, annotations } };
}
