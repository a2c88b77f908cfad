/**
 * Whether an IP address lies in a CIDR, for ipBlock peers. IPv4 and IPv6 are kept apart (an IPv4
 * address never matches an IPv6 block), and host bits in the block are ignored the way the
 * network plugins mask them.
 */
import { parseAddress, type ParsedAddress } from '../../api/cidr.js';

export { parseAddress };

/** Undefined when the text is not `address/prefix` with a prefix that fits the address family. */
export function parseCidr(text: string): { base: ParsedAddress; prefixLength: number } | undefined {
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
