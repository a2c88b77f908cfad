/**
 * The node's egress guard: the forwarding rule that drops pod traffic to anything the environment
 * did not make. It sits in the mangle table's FORWARD chain of the node's namespace, which every
 * forwarded pod packet crosses after kube-proxy's DNAT and before the filter table, where
 * kube-router and kube-proxy ACCEPT what their rules allow; so nothing they do can let a pod
 * packet past it. Pods may reach other pods, the platform (PostgreSQL, KMS), the external hosts,
 * Service addresses (kube-proxy answers for those without endpoints), and the host only on
 * kube-apiserver's port (the `kubernetes` Service's endpoint) — not the host's other listeners.
 */
import { externalHosts, hostAddress, names, platformAddress, podCIDR, serviceCIDR } from './addresses.js';
import { inNetns } from './shell.js';

export const egressGuardChain = 'BULKHEAD-EGRESS-GUARD';

const iptables = (...args: string[]): string => inNetns(names.nodeNetns, 'iptables', ['-w', '-t', 'mangle', ...args]);

export function installEgressGuard(apiServerPort: number): void {
  iptables('-N', egressGuardChain);
  const allowed = [
    ['-d', podCIDR],
    ['-d', `${platformAddress}/32`],
    ['-d', serviceCIDR],
    ['-d', `${hostAddress}/32`, '-p', 'tcp', '--dport', String(apiServerPort)],
    ...externalHosts.map((host) => ['-d', host.cidr]),
  ];
  for (const rule of allowed) iptables('-A', egressGuardChain, ...rule, '-j', 'RETURN');
  iptables('-A', egressGuardChain, '-m', 'comment', '--comment', 'pod traffic outside the environment', '-j', 'DROP');
  iptables('-A', 'FORWARD', '-s', podCIDR, '-j', egressGuardChain);
}

/** How many pod packets the guard has dropped so far. */
export function egressGuardDrops(): number {
  const listing = iptables('-L', egressGuardChain, '-v', '-x', '-n');
  const dropLine = listing.split('\n').find((line) => /\bDROP\b/.test(line));
  return Number(dropLine?.trim().split(/\s+/)[0] ?? Number.NaN);
}
