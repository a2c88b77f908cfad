/**
 * CIDR checks that agree with the Kubernetes CEL CIDR library (`isCIDR`, `cidr().masked()`), so
 * that zod refuses the same egress CIDRs the Tenant CRD refuses. That library parses with Go's
 * netip.ParsePrefix: no leading zeros, no IPv6 zone, and IPv4-mapped IPv6 addresses refused.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Why a string is not a canonical CIDR, or undefined when it is one. */
export type CidrProblem = 'notCidr' | 'hostBitsSet';

/** An IP address as a number and its family's width in bits. */
export interface ParsedAddress {
  readonly value: bigint;
  readonly width: 32 | 128;
}

export function cidrProblem(text: string): CidrProblem | undefined {
  const slash = text.lastIndexOf('/');
  const prefixText = text.slice(slash + 1);
  // netip refuses a sign or leading zeros in the prefix length.
  if (slash < 0 || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return 'notCidr';
  const address = prefixAddress(text.slice(0, slash));
  const prefixLength = Number(prefixText);
  if (address === undefined || prefixLength > address.width) return 'notCidr';
  const hostMask = (1n << BigInt(address.width - prefixLength)) - 1n;
  return (address.value & hostMask) === 0n ? undefined : 'hostBitsSet';
}

/** Any IPv4 or IPv6 address without a zone ("fe80::1%eth0", which Node accepts), as a number. */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (isIPv4(text)) return { value: ipv4Value(text), width: 32 };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  return { value: ipv6Groups(text).reduce((sum, group) => (sum << 16n) | BigInt(group), 0n), width: 128 };
}

/** A CIDR as a base address and prefix length; undefined when the text is not `address/prefix`. */
export interface ParsedCidr {
  readonly base: ParsedAddress;
  readonly prefixLength: number;
}

/** Lenient about host bits (they are ignored, as network plugins mask them). */
export function parseCidr(text: string): ParsedCidr | undefined {
  const slash = text.lastIndexOf('/');
  const prefixText = text.slice(slash + 1);
  if (slash < 0 || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const base = parseAddress(text.slice(0, slash));
  const prefixLength = Number(prefixText);
  if (base === undefined || prefixLength > base.width) return undefined;
  return { base, prefixLength };
}

/** Whether `inner` lies wholly inside `outer` (equal counts); CIDRs of different families never do. */
export function cidrContainsCidr(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  if (a === undefined || b === undefined || a.base.width !== b.base.width || a.prefixLength > b.prefixLength) return false;
  const shift = BigInt(a.base.width - a.prefixLength);
  return a.base.value >> shift === b.base.value >> shift;
}

/** A single address as a CIDR: /32 for IPv4, /128 for IPv6. */
export function hostCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

/** An address as a CIDR's base may be written for the CEL library. */
function prefixAddress(text: string): ParsedAddress | undefined {
  const address = parseAddress(text);
  // ::ffff:a.b.c.d is refused by the CEL library: it would silently mean an IPv4 network.
  return address?.width === 128 && address.value >> 32n === 0xffffn ? undefined : address;
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(octet), 0n);
}

/** The eight 16-bit groups of a valid IPv6 address, with "::" and a dotted IPv4 tail expanded. */
function ipv6Groups(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const headGroups = groupsOf(head);
  if (tail === undefined) return headGroups;
  const tailGroups = groupsOf(tail);
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}

function groupsOf(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const value = ipv4Value(group);
    return [Number(value >> 16n), Number(value & 0xffffn)];
  });
}
