/**
 * Step: the owners' RoleBinding to the tenant-owner ClusterRole, inside the tenant namespace only,
 * and the namespace's `default` ServiceAccount kept from mounting an API token into pods.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { buildOwnerRoleBinding } from '../../../resources/rbac.js';
import { buildDefaultServiceAccount } from '../../../resources/service-account.js';
import type { StepContext, StepOutcome } from '../context.js';

export async function ensureOwnerAccess(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, config } = context;
  await context.owned.ensure(
    buildOwnerRoleBinding(tenant.metadata, namespace, tenant.spec.owners, config.tenantOwnerClusterRole),
    context.logger,
  );
  await context.owned.ensure(buildDefaultServiceAccount(tenant.metadata, namespace), context.logger);
  return {
    type: ConditionType.RbacReady,
    status: 'True',
    reason: Reason.Reconciled,
    message: `${tenant.spec.owners.length} owner(s) bound to ${config.tenantOwnerClusterRole} in ${namespace}; the default ServiceAccount mounts no token`,
  };
}
