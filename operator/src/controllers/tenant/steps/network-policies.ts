/**
 * Step: the tenant's NetworkPolicies, default-deny first; policies no longer wanted (say, removed
 * egress CIDRs) are deleted. The database and KMS endpoints are resolved to addresses here (an
 * ipBlock needs one); the declared egress CIDRs are bounded away from every cluster and platform
 * range (resources/egress.ts), and one wholly inside such a range is refused by name while the
 * rest of the policies are still applied. Owners and the app wait for this step (reconciler.ts).
 * A suspended tenant's ingress from outside its namespace is closed (the allowance pruned).
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { boundEgress, type EgressBounds } from '../../../resources/egress.js';
import { buildNetworkPolicies, type Endpoint } from '../../../resources/network-policies.js';
import { servicePorts } from '../release-plan.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';

const outcome = outcomeFor(ConditionType.NetworkIsolated);

export async function ensureNetworkPolicies(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, config } = context;
  const region = tenant.spec.region;
  const platform = await context.platformAddresses();
  const bounds = boundEgress(tenant.spec.network?.allowEgressCIDRs ?? [], platform.excluded);
  const release = await context.release();
  const policies = buildNetworkPolicies(
    tenant.metadata,
    {
      namespace,
      egress: bounds.allowed,
      ...optional('database', platform.databases.get(region)),
      ...optional('kms', platform.kms.get(region)),
      ingressPorts: release.ok ? servicePorts(release.objects) : [],
      suspended: tenant.spec.suspended,
    },
    config.network,
  );
  for (const policy of policies) await context.owned.ensure(policy, context.logger);
  await context.owned.prune('NetworkPolicy', tenant.metadata.name, new Set(policies.map((p) => p.metadata.name)), context.logger);
  if (bounds.refused.length > 0) return outcome('False', Reason.EgressNotAllowed, refusedMessage(bounds));
  const unresolved = platform.unresolved.filter((problem) => problem.region === region);
  if (unresolved.length > 0) return outcome('False', Reason.PlatformAddressUnresolved, unresolved.map((p) => p.message).join('; '));
  if (tenant.spec.suspended) {
    return outcome('True', Reason.Suspended, `${policies.length} NetworkPolicies; suspended: nothing outside ${namespace} may reach it`);
  }
  return outcome('True', Reason.Reconciled, `${policies.length} NetworkPolicies deny all traffic but the declared flows`);
}

function optional(key: 'database' | 'kms', endpoint: Endpoint | undefined): Partial<Record<'database' | 'kms', Endpoint>> {
  return endpoint ? { [key]: endpoint } : {};
}

function refusedMessage(bounds: EgressBounds): string {
  const refused = bounds.refused.map(({ cidr, inside }) => `${cidr} lies inside ${inside.cidr} (${inside.what})`);
  return (
    `spec.network.allowEgressCIDRs may not lead into the cluster or the platform: ${refused.join('; ')}; ` +
    'those CIDRs are left out of allow-declared-egress'
  );
}
