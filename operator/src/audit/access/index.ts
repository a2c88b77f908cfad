/**
 * The Access part of `bulkhead audit`: who can do what in each tenant namespace. It reads every
 * Role, ClusterRole and binding once, judges them with the pure evaluator (findings.ts), then
 * confirms on the live server with SubjectAccessReviews and dry-run writes as each owner (live.ts).
 */
import type { Tenant } from '../../api/tenant.js';
import type { AccessReviewClient } from '../../kube/access-review.js';
import type { KubeObject } from '../../runtime/types.js';
import { mapBounded } from '../data/bounded.js';
import { errored, passed, type AuditCheck, type InputObject } from '../model.js';
import { RbacIndex } from './evaluator.js';
import { findingContext, rbacChecks, type TenantAccess } from './findings.js';
import { defaultProbeUser, probeTenant } from './live.js';
import { authenticatedBaseline, defaultPlatformConfig, resolvePlatform, type PlatformConfig, type ResolvedPlatform } from './platform.js';
import type { BindingObject, RbacSnapshot, RoleObject } from './rbac-types.js';
import { errorMessage } from '../../runtime/errors.js';

export { RbacIndex } from './evaluator.js';
export { defaultPlatformConfig, platformConfigFor, type PlatformConfig } from './platform.js';
export type { SubjectPattern } from './subjects.js';
export { defaultProbeUser } from './live.js';
export type * from './rbac-types.js';

export interface AccessAuditOptions {
  tenants: Tenant[];
  /** Who counts as the platform; defaultPlatformConfig when absent. */
  platformSubjects?: PlatformConfig;
  /** The user the dry-run writes impersonate for Group owners. */
  probeUser?: string;
  /** Skip the SubjectAccessReviews and dry-run writes (RBAC analysis only). */
  offline?: boolean;
  /** Tenants whose owners are probed at once (their requests in flight together); default 8. */
  probeConcurrency?: number;
}

const rbacVersion = 'rbac.authorization.k8s.io/v1';

async function readSnapshot(client: AccessReviewClient): Promise<RbacSnapshot> {
  const [roles, clusterRoles, roleBindings, clusterRoleBindings] = await Promise.all([
    client.listAll<KubeObject & RoleObject>(rbacVersion, 'Role'),
    client.listAll<KubeObject & RoleObject>(rbacVersion, 'ClusterRole'),
    client.listAll<KubeObject & BindingObject>(rbacVersion, 'RoleBinding'),
    client.listAll<KubeObject & BindingObject>(rbacVersion, 'ClusterRoleBinding'),
  ]);
  return { roles, clusterRoles, roleBindings, clusterRoleBindings };
}

function inputsOf(snapshot: RbacSnapshot): InputObject[] {
  return [...snapshot.roles, ...snapshot.clusterRoles, ...snapshot.roleBindings, ...snapshot.clusterRoleBindings].map((object) => ({
    apiVersion: rbacVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    uid: object.metadata.uid ?? '',
    resourceVersion: object.metadata.resourceVersion ?? '',
  }));
}

/** Tenants whose namespace is known, sorted by name; the others become error checks. */
function tenantsToAudit(tenants: Tenant[]): { audited: TenantAccess[]; unknown: AuditCheck[] } {
  const audited: TenantAccess[] = [];
  const unknown: AuditCheck[] = [];
  for (const tenant of [...tenants].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const namespace = tenant.status?.namespace;
    if (namespace) {
      audited.push({
        name: tenant.metadata.name,
        namespace,
        owners: tenant.spec.owners.map(({ kind, name }) => ({ kind, name })),
        ...(tenant.spec.suspended ? { suspended: true } : {}),
      });
      continue;
    }
    unknown.push(
      errored({
        id: 'access.namespace',
        category: 'access',
        tenant: tenant.metadata.name,
        reason: 'NamespaceUnknown',
        title: `The namespace of ${tenant.metadata.name} is known`,
        message: 'status.namespace is not set: the tenant has not been reconciled yet.',
        evidence: {},
      }),
    );
  }
  return { audited, unknown };
}

function platformCheck(platform: ResolvedPlatform): AuditCheck {
  return passed({
    id: 'access.platform-subjects',
    category: 'access',
    title: 'The subjects the Access checks count as the platform, and the baseline every authenticated identity holds',
    message: `${platform.configured.length} configured subject patterns and ${platform.boundToClusterAdmin.length} subjects bound to ${platform.clusterAdminRoles.join(', ')} are platform subjects.`,
    evidence: {
      configured: platform.configured.map((pattern) => ({ ...pattern })),
      clusterAdminRoles: platform.clusterAdminRoles,
      boundToClusterAdmin: platform.boundToClusterAdmin.map((entry) => ({ ...entry })),
      baseline: authenticatedBaseline.map(({ role, rules }) => ({ role, rules: rules.map((rule) => ({ ...rule })) })),
    },
  });
}

function snapshotError(error: unknown): AuditCheck {
  return errored({
    id: 'access.rbac-snapshot',
    category: 'access',
    reason: 'RbacUnreadable',
    title: 'Every Role, ClusterRole and binding could be read',
    message: errorMessage(error),
    evidence: {},
  });
}

export async function auditAccess(
  client: AccessReviewClient,
  options: AccessAuditOptions,
): Promise<{ checks: AuditCheck[]; inputs: InputObject[] }> {
  const { audited, unknown } = tenantsToAudit(options.tenants);
  const checks: AuditCheck[] = [...unknown];
  let inputs: InputObject[] = [];
  try {
    const snapshot = await readSnapshot(client);
    inputs = inputsOf(snapshot);
    const index = new RbacIndex(snapshot);
    const platform = resolvePlatform(index, options.platformSubjects ?? defaultPlatformConfig);
    checks.push(platformCheck(platform));
    const context = findingContext(index, platform, audited);
    for (const tenant of audited) {
      checks.push(...rbacChecks(context, tenant));
      // A turn of the event loop per tenant: the operator runs this beside its Lease renewals.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    checks.push(snapshotError(error));
  }
  if (options.offline) return { checks, inputs };
  // Several tenants at once: one after another, each waiting out its round trips, 300 tenants took
  // about ten minutes on a loaded machine (docs/decisions/0024).
  const probed = await mapBounded([...audited.entries()], options.probeConcurrency ?? 8, ([position, tenant]) => {
    // One other tenant per tenant (the next by name): the RBAC analysis covers every pair.
    const other = audited.length > 1 ? audited[(position + 1) % audited.length]?.namespace : undefined;
    return probeTenant(client, tenant, other, options.probeUser ?? defaultProbeUser);
  });
  return { checks: [...checks, ...probed.flat()], inputs };
}
