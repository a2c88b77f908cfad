/**
 * Traffic the pod-to-pod analysis cannot see: addresses outside the cluster. Every egress rule of a
 * tenant's policies must name only what the platform declares for it (its database server, its
 * region's KMS endpoint, its declared egress CIDRs) and no ingress rule may admit addresses at
 * all; a rule without peers admits everything, outside the cluster included. Whether a declared
 * CIDR keeps out of the cluster is egress-bounds.ts.
 */
import { hostCidr } from '../../api/cidr.js';
import { failed, passed, type AuditCheck } from '../model.js';
import type { NetworkPolicy, PolicyRule } from '../network/index.js';
import { effectivePolicyTypes } from '../network/index.js';
import type { TenantNetworkView } from './model.js';

interface Offence {
  policy: string;
  direction: 'ingress' | 'egress';
  rule: number;
  peer: string;
}

export function declaredEgressCidrs(tenant: TenantNetworkView): Set<string> {
  const declared = new Set(tenant.allowEgressCIDRs);
  for (const endpoint of [tenant.database, tenant.kms]) if (endpoint) declared.add(hostCidr(endpoint.address));
  return declared;
}

function offences(policy: NetworkPolicy, direction: 'ingress' | 'egress', allowedCidrs: ReadonlySet<string>): Offence[] {
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  if (!effectivePolicyTypes(policy).includes(type)) return [];
  const rules: PolicyRule[] = (direction === 'ingress' ? policy.ingress : policy.egress) ?? [];
  const name = `${policy.namespace}/${policy.name}`;
  return rules.flatMap((rule, index) => {
    if (!rule.peers || rule.peers.length === 0) return [{ policy: name, direction, rule: index, peer: 'any address' }];
    return rule.peers
      .filter((peer) => peer.ipBlock !== undefined && !allowedCidrs.has(peer.ipBlock.cidr))
      .map((peer) => ({ policy: name, direction, rule: index, peer: `ipBlock ${peer.ipBlock?.cidr ?? ''}` }));
  });
}

export function ipBlockChecks(tenant: TenantNetworkView, policies: readonly NetworkPolicy[]): AuditCheck[] {
  const declared = declaredEgressCidrs(tenant);
  const found = policies.flatMap((policy) => [...offences(policy, 'ingress', new Set()), ...offences(policy, 'egress', declared)]);
  const fields = {
    id: 'network.addresses',
    category: 'network' as const,
    tenant: tenant.name,
    title: `The tenant's policies admit no outside addresses and reach only its database server and declared egress CIDRs.`,
  };
  const evidence = { declaredEgressCidrs: [...declared].sort(), policies: policies.map((policy) => policy.name).sort() };
  if (found.length === 0) return [passed({ ...fields, message: 'Every address-based rule is declared.', evidence })];
  const first = found[0] as Offence;
  return [
    failed({
      ...fields,
      reason: 'UndeclaredAddresses',
      message: `${found.length} rule peer(s) admit undeclared addresses, e.g. ${first.policy} ${first.direction}[${first.rule}] allows ${first.peer}.`,
      evidence: { ...evidence, offences: found.map((offence) => ({ ...offence })) },
    }),
  ];
}
