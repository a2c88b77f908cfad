/** Step: the tenant's NetworkPolicies; policies no longer wanted (say, removed egress CIDRs) are deleted. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ConditionType, Reason } from '../../../api/conditions.js';
import { buildNetworkPolicies } from '../../../resources/network-policies.js';
import type { StepContext, StepOutcome } from '../context.js';

async function resolveAddress(host: string): Promise<string> {
  return isIP(host) ? host : (await lookup(host)).address;
}

export async function ensureNetworkPolicies(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, config } = context;
  const database = context.providers.settings(tenant.spec.region)?.database;
  const policies = buildNetworkPolicies(tenant.metadata, {
    namespace,
    allowEgressCIDRs: tenant.spec.network?.allowEgressCIDRs ?? [],
    // An ipBlock needs an address: resolve the server's name once per reconcile.
    ...(database ? { database: { host: await resolveAddress(database.host), port: database.port } } : {}),
  }, config.network);
  for (const policy of policies) await context.owned.ensure(policy, context.logger);
  await context.owned.prune('NetworkPolicy', tenant.metadata.name, new Set(policies.map((p) => p.metadata.name)), context.logger);
  return { type: ConditionType.NetworkIsolated, status: 'True', reason: Reason.Reconciled,
    message: `${policies.length} NetworkPolicies deny all traffic but the declared flows` };
}
