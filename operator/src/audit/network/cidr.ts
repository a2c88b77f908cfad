/**
 * Whether an IP address lies in a CIDR, for ipBlock peers. IPv4 and IPv6 are kept apart (an IPv4
 * address never matches an IPv6 block), and host bits in the block are ignored the way the
 * network plugins mask them.
 */
import { isIPv4, isIPv6 } from 'node:net';

interface Address {
  value: bigint;
  width: 32 | 128;
}

export function parseAddress(text: string): Address | undefined {
  if (isIPv4(text)) return { value: ipv4Value(text), width: 32 };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  return { value: ipv6Groups(text).reduce((sum, group) => (sum << 16n) | BigInt(group), 0n), width: 128 };
}

/** Undefined when the text is not `address/prefix` with a prefix that fits the address family. */
export function parseCidr(text: string): { base: Address; prefixLength: number } | undefined {
  const slash = text.lastIndexOf('/');
  const prefixText = text.slice(slash + 1);
  if (slash < 0 || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const base = parseAddress(text.slice(0, slash));
  const prefixLength = Number(prefixText);
  if (base === undefined || prefixLength > base.width) return undefined;
  return { base, prefixLength };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const address = parseAddress(ip);
  if (block === undefined || address === undefined || block.base.width !== address.width) return false;
  const shift = BigInt(address.width - block.prefixLength);
  return block.base.value >> shift === address.value >> shift;
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(octet), 0n);
}

function ipv6Groups(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const headGroups = groupsOf(head);
  if (tail === undefined) return headGroups;
  const tailGroups = groupsOf(tail);
  return [...headGroups, ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
}

function groupsOf(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const value = ipv4Value(group);
    return [Number(value >> 16n), Number(value & 0xffffn)];
  });
}
