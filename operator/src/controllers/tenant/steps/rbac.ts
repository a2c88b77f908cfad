/**
 * Step: the owners' RoleBinding to the tenant-owner ClusterRole, inside the tenant namespace only,
 * and the namespace's `default` ServiceAccount kept from mounting an API token into pods. While
 * the tenant is suspended the owners are bound to the role's read-only twin instead: the other
 * binding is deleted first, so a crash between the two leaves owners with less, never more.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import {
  buildOwnerReadOnlyRoleBinding,
  buildOwnerRoleBinding,
  ownerReadOnlyRoleBindingName,
  ownerRoleBindingName,
} from '../../../resources/rbac.js';
import { buildDefaultServiceAccount } from '../../../resources/service-account.js';
import { tenantOwnerReadOnlyClusterRoleName } from '../../../resources/tenant-owner-role.js';
import { objectKey } from '../../../runtime/types.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';

const outcome = outcomeFor(ConditionType.RbacReady);

export async function ensureOwnerAccess(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, config } = context;
  const suspended = tenant.spec.suspended;
  const role = suspended ? tenantOwnerReadOnlyClusterRoleName(config.tenantOwnerClusterRole) : config.tenantOwnerClusterRole;
  const build = suspended ? buildOwnerReadOnlyRoleBinding : buildOwnerRoleBinding;
  await deleteBinding(context, suspended ? ownerRoleBindingName : ownerReadOnlyRoleBindingName);
  await context.owned.ensure(build(tenant.metadata, namespace, tenant.spec.owners, role), context.logger);
  await context.owned.ensure(buildDefaultServiceAccount(tenant.metadata, namespace), context.logger);
  const bound = `${tenant.spec.owners.length} owner(s) bound to ${role} in ${namespace}; the default ServiceAccount mounts no token`;
  return suspended ? outcome('True', Reason.Suspended, `suspended: ${bound}`) : outcome('True', Reason.Reconciled, bound);
}

/** Deletes the tenant's owner binding of that name when the cache holds it (a read-only step otherwise). */
async function deleteBinding(context: StepContext, name: string): Promise<void> {
  const cached = context.owned.cached('RoleBinding', objectKey({ metadata: { name, namespace: context.namespace } }));
  if (cached === undefined) return;
  await context.client.delete(
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name, namespace: context.namespace },
    { uid: cached.metadata.uid },
  );
  context.logger.info('Deleted RoleBinding', { name, namespace: context.namespace });
}
