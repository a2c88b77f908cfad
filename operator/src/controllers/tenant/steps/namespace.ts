/**
 * Step: the tenant's namespace, with its labels, Pod Security admission at restricted, and what
 * its admission policies allow (host names, ExternalName Services). A namespace of that name that
 * Bulkhead did not create for this Tenant (no matching UID label or owner reference) is never
 * adopted: it may hold someone else's workloads and Secrets. The Tenant reports NamespaceConflict
 * and nothing else is created for it.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { belongsToTenant, buildNamespace } from '../../../resources/namespace.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';

const outcome = outcomeFor(ConditionType.NamespaceReady);

export async function ensureNamespace(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, config, plan } = context;
  // The cache holds Bulkhead's namespaces only; one made by someone else is found with a GET.
  const existing =
    context.owned.cached('Namespace', namespace) ?? (await context.client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }));
  if (existing && !belongsToTenant(existing, tenant.metadata)) {
    return outcome(
      'False',
      Reason.NamespaceConflict,
      `Namespace ${namespace} already exists and was not created by Bulkhead ` +
        `for this Tenant (uid ${tenant.metadata.uid}); it is neither adopted nor deleted. Remove or rename it, or rename the Tenant`,
    );
  }
  if (existing?.metadata.deletionTimestamp) return outcome('False', Reason.Progressing, `Namespace ${namespace} is still terminating`);
  const domains = context.domains();
  await context.owned.ensure(
    buildNamespace(tenant.metadata, namespace, {
      podSecurityVersion: config.podSecurityVersion,
      domains: domains.granted,
      allowExternalNameServices: plan.spec.network.allowExternalNameServices,
    }),
    context.logger,
  );
  const withheld = domains.withheld.map(({ domain, heldBy }) => `${domain} (declared first by tenant ${heldBy})`);
  return outcome(
    'True',
    Reason.Reconciled,
    `Namespace ${namespace} enforces Pod Security restricted; ` +
      `it may serve ${domains.granted.length > 0 ? domains.granted.join(', ') : 'no host names'}` +
      (withheld.length > 0 ? `; withheld: ${withheld.join(', ')}` : ''),
  );
}
