/**
 * Whether an IP address lies in a CIDR, for ipBlock peers. IPv4 and IPv6 are kept apart (an IPv4
 * address never matches an IPv6 block), and host bits in the block are ignored the way the
 * network plugins mask them.
 */
import { parseAddress, parseCidr } from '../../api/cidr.js';

export { parseAddress, parseCidr };

export function cidrContains(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr);
  const address = parseAddress(ip);
  if (block === undefined || address === undefined || block.base.width !== address.width) return false;
  const shift = BigInt(address.width - block.prefixLength);
  return block.base.value >> shift === address.value >> shift;
}
