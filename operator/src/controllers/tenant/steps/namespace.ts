/** Step: the tenant's namespace, with its labels and Pod Security admission at restricted. */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { buildNamespace } from '../../../resources/namespace.js';
import type { StepContext, StepOutcome } from '../context.js';

export async function ensureNamespace(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, config } = context;
  const existing = context.owned.cached('Namespace', namespace);
  if (existing?.metadata.deletionTimestamp) {
    return { type: ConditionType.NamespaceReady, status: 'False', reason: Reason.Progressing,
      message: `Namespace ${namespace} is still terminating` };
  }
  await context.owned.ensure(buildNamespace(tenant.metadata, namespace, config.podSecurityVersion), context.logger);
  return { type: ConditionType.NamespaceReady, status: 'True', reason: Reason.Reconciled,
    message: `Namespace ${namespace} enforces Pod Security restricted` };
}
