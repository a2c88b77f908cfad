/**
 * The real node's network, made of network namespaces, a bridge and veth pairs, all in the test
 * range (addresses.ts). The node runs in a namespace of its own, so kube-proxy's and
 * kube-router's iptables rules and ipsets live there and vanish with it, and the host keeps IP
 * forwarding off: the host is an endpoint on the VPC bridge (kube-apiserver), never a router, so
 * no pod packet can leave the machine. Only namespaces route: the node (for its pods) and the VPC
 * router (to the "external" hosts), each with no default route and a forwarding policy that drops
 * anything outside the test range.
 */
import {
  externalHosts,
  hostAddress,
  names,
  nodeAddress,
  platformAddress,
  podCIDR,
  routerAddress,
  testRange,
  type ExternalHost,
} from './addresses.js';
import { inNetns, ip, run, tryRun } from './shell.js';

const prefix24 = (address: string): string => `${address}/24`;

/** Every namespace the network makes, in the order it makes them. */
export function environmentNetns(): string[] {
  return [names.routerNetns, names.nodeNetns, names.platformNetns, ...externalHosts.map(names.externalNetns)];
}

function sysctl(netns: string, key: string, value: string): void {
  inNetns(netns, 'sysctl', ['-q', '-w', `${key}=${value}`]);
}

function addNamespace(netns: string): void {
  ip(undefined, 'netns', 'add', netns);
  ip(netns, 'link', 'set', 'lo', 'up');
  // No IPv6 on these links: nothing here uses it, and it would send router solicitations.
  sysctl(netns, 'net.ipv6.conf.all.disable_ipv6', '1');
  sysctl(netns, 'net.ipv6.conf.default.disable_ipv6', '1');
}

/** The router's bridge is the VPC; bridged frames skip iptables there (the node filters pod traffic). */
function makeRouter(): void {
  const ns = names.routerNetns;
  ip(ns, 'link', 'add', 'vpc0', 'type', 'bridge');
  ip(ns, 'addr', 'add', prefix24(routerAddress), 'dev', 'vpc0');
  ip(ns, 'link', 'set', 'vpc0', 'up');
  sysctl(ns, 'net.bridge.bridge-nf-call-iptables', '0');
  sysctl(ns, 'net.ipv4.ip_forward', '1');
  // Route only within the test range: the default policy drops the rest.
  inNetns(ns, 'iptables', ['-P', 'FORWARD', 'DROP']);
  inNetns(ns, 'iptables', ['-A', 'FORWARD', '-s', testRange, '-d', testRange, '-j', 'ACCEPT']);
  ip(ns, 'route', 'add', podCIDR, 'via', nodeAddress);
}

/** A veth from the VPC bridge to `netns` (or to the host when undefined), named `port` on the bridge. */
function attachToVpc(port: string, netns: string | undefined, inside: string, address: string): void {
  ip(netns, 'link', 'add', inside, 'type', 'veth', 'peer', 'name', port, 'netns', names.routerNetns);
  ip(names.routerNetns, 'link', 'set', port, 'master', 'vpc0', 'up');
  if (!netns) run('sysctl', ['-q', '-w', `net.ipv6.conf.${inside}.disable_ipv6=1`]);
  ip(netns, 'addr', 'add', prefix24(address), 'dev', inside);
  ip(netns, 'link', 'set', inside, 'up');
}

function makeExternalHost(host: ExternalHost): void {
  const ns = names.externalNetns(host);
  const [, bits] = host.cidr.split('/');
  ip(names.routerNetns, 'link', 'add', host.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  ip(names.routerNetns, 'addr', 'add', `${host.gateway}/${bits}`, 'dev', host.name);
  ip(names.routerNetns, 'link', 'set', host.name, 'up');
  ip(ns, 'addr', 'add', `${host.address}/${bits}`, 'dev', 'eth0');
  ip(ns, 'link', 'set', 'eth0', 'up');
  ip(ns, 'route', 'add', 'default', 'via', host.gateway);
}

export function createNetwork(): void {
  for (const netns of environmentNetns()) addNamespace(netns);
  makeRouter();
  attachToVpc('host', undefined, names.hostInterface, hostAddress);
  attachToVpc('node', names.nodeNetns, 'eth0', nodeAddress);
  attachToVpc('platform', names.platformNetns, 'eth0', platformAddress);
  for (const host of externalHosts) makeExternalHost(host);
  // The host and the platform reach pods through the node; the node reaches the rest of the
  // test range through the router. Nobody gets a default route.
  ip(undefined, 'route', 'add', podCIDR, 'via', nodeAddress, 'dev', names.hostInterface);
  ip(names.platformNetns, 'route', 'add', podCIDR, 'via', nodeAddress);
  ip(names.nodeNetns, 'route', 'add', testRange, 'via', routerAddress);
  sysctl(names.nodeNetns, 'net.ipv4.ip_forward', '1');
}

/**
 * Deleting the router's namespace deletes the host's veth (and its route) with it. A namespace
 * lives on while a process is still in it, so the caller stops every process first.
 */
export function deleteNetwork(): void {
  for (const netns of environmentNetns()) tryRun('ip', ['netns', 'delete', netns]);
}
