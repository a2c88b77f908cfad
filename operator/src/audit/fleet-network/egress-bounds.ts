/**
 * Declared egress must lead out of the cluster, not into it: judged on the tenant's live
 * NetworkPolicies (not on the Tenant's spec), every egress ipBlock, with its excepts, may admit no
 * address of the pod, Service or node ranges, the platform's ranges, link-local and cloud metadata,
 * or any database server or KMS endpoint. The one exception is the tenant's own database server
 * and KMS endpoint, each as its single address on its single TCP port (allow-database, allow-kms).
 * An egress rule without peers admits every address. Without the pod and Service ranges in the
 * configuration nothing can be ruled out (0.0.0.0/0 then reaches the whole cluster, and any
 * address, the database's included, may be a pod's): every egress ipBlock is ClusterRangesUnknown.
 */
import { hostCidr } from '../../api/cidr.js';
import type { ExcludedRange } from '../../resources/egress.js';
import { failed, passed, type AuditCheck } from '../model.js';
import { admitsSomeOf, admittedBy } from '../network/address-ranges.js';
import { effectivePolicyTypes, type IPBlock, type NetworkPolicy, type PolicyPort } from '../network/index.js';
import type { Endpoint, FleetRanges, TenantNetworkView } from './model.js';

interface Offence {
  policy: string;
  rule: number;
  cidr: string;
  except: string[];
  /** The range it may reach, or null when the cluster's ranges are unknown. */
  reaches: ExcludedRange | null;
}

const everyAddress: IPBlock[] = [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }];
const rule = 'bulkhead.dev/egress-outside-cluster';

/** The rule allows exactly one TCP port, this one. */
function onlyPort(ports: readonly PolicyPort[] | undefined, port: number): boolean {
  const [only, ...more] = ports ?? [];
  return only !== undefined && more.length === 0 && (only.protocol ?? 'TCP') === 'TCP' && only.port === port && only.endPort === undefined;
}

/** The block is exactly the endpoint's address, and the rule allows exactly its one TCP port. */
function isEndpointAllowance(block: IPBlock, ports: readonly PolicyPort[] | undefined, endpoint: Endpoint | undefined): boolean {
  return (
    endpoint !== undefined &&
    block.cidr === hostCidr(endpoint.address) &&
    (block.except ?? []).length === 0 &&
    onlyPort(ports, endpoint.port)
  );
}

function blockOffences(block: IPBlock, where: { policy: string; rule: number }, ranges: FleetRanges, rangesKnown: boolean): Offence[] {
  const admitted = admittedBy(block);
  const base = { ...where, cidr: block.cidr, except: [...(block.except ?? [])] };
  const found: Offence[] = ranges.excluded.filter((range) => admitsSomeOf(admitted, range.cidr)).map((reaches) => ({ ...base, reaches }));
  return rangesKnown || admitted.length === 0 ? found : [...found, { ...base, reaches: null }];
}

function policyOffences(policy: NetworkPolicy, tenant: TenantNetworkView, ranges: FleetRanges, rangesKnown: boolean): Offence[] {
  if (!effectivePolicyTypes(policy).includes('Egress')) return [];
  return (policy.egress ?? []).flatMap((egress, index) => {
    const where = { policy: `${policy.namespace}/${policy.name}`, rule: index };
    const blocks =
      egress.peers === undefined || egress.peers.length === 0
        ? everyAddress
        : egress.peers.flatMap((peer) => (peer.ipBlock ? [peer.ipBlock] : []));
    return blocks.flatMap((block) => {
      const allowance = isEndpointAllowance(block, egress.ports, tenant.database) || isEndpointAllowance(block, egress.ports, tenant.kms);
      // Even the tenant's own database address may be a pod's, for all the audit can tell, without the pod range.
      if (allowance) return rangesKnown ? [] : [{ ...where, cidr: block.cidr, except: [], reaches: null }];
      return blockOffences(block, where, ranges, rangesKnown);
    });
  });
}

function describe(offence: Offence): string {
  const block = offence.except.length > 0 ? `${offence.cidr} (except ${offence.except.join(', ')})` : offence.cidr;
  const where = `${offence.policy} egress[${offence.rule}] allows ${block}`;
  if (!offence.reaches)
    return `${where}, and without network.clusterCIDRs.pods and .services it cannot be told apart from the cluster's own addresses`;
  return `${where}, which reaches ${offence.reaches.cidr} (${offence.reaches.what}) without an except for it`;
}

export function egressBoundsCheck(tenant: TenantNetworkView, policies: readonly NetworkPolicy[], ranges: FleetRanges): AuditCheck {
  const rangesKnown = ranges.pods.length > 0 && ranges.services.length > 0;
  const offences = policies.flatMap((policy) => policyOffences(policy, tenant, ranges, rangesKnown));
  const fields = {
    id: 'network.egress-bounds',
    category: 'network' as const,
    tenant: tenant.name,
    title: `The egress ipBlocks in ${tenant.namespace} admit no address of the cluster or the platform, except the tenant's own database and KMS endpoint on their port.`,
  };
  const evidence = {
    excluded: ranges.excluded.map(({ cidr, what }) => ({ cidr, what })),
    clusterRangesKnown: rangesKnown,
    database: tenant.database ? `${tenant.database.address}:${tenant.database.port}` : null,
    kms: tenant.kms ? `${tenant.kms.address}:${tenant.kms.port}` : null,
  };
  if (offences.length === 0)
    return passed({ ...fields, message: "Every egress ipBlock leaves the cluster's and the platform's ranges out.", evidence });
  const first = offences[0] as Offence;
  return failed({
    ...fields,
    reason: rangesKnown ? 'EgressIntoCluster' : 'ClusterRangesUnknown',
    message: `${offences.length} egress ipBlock finding(s), e.g. ${describe(first)} (${rule}).`,
    evidence: {
      ...evidence,
      offences: offences.slice(0, 50).map((o) => ({
        policy: o.policy,
        rule: o.rule,
        cidr: o.cidr,
        except: o.except,
        reaches: o.reaches ? `${o.reaches.cidr} (${o.reaches.what})` : null,
      })),
    },
  });
}
