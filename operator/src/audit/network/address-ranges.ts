/**
 * What an ipBlock admits, as address intervals: its cidr minus its excepts. The audit needs more
 * than "is this one address inside": whether a block may admit *some* address of another range (a
 * pod range, for a pod whose address is not known yet; the Service range or a database server, for
 * declared egress). IPv4 and IPv6 are kept apart, and host bits are ignored as plugins mask them.
 */
import { parseCidr } from './cidr.js';

export interface AddressInterval {
  width: 32 | 128;
  low: bigint;
  high: bigint;
}

export function intervalOf(cidr: string): AddressInterval | undefined {
  const parsed = parseCidr(cidr);
  if (!parsed) return undefined;
  const hostBits = BigInt(parsed.base.width - parsed.prefixLength);
  const low = (parsed.base.value >> hostBits) << hostBits;
  return { width: parsed.base.width, low, high: low + (1n << hostBits) - 1n };
}

/** The interval without `cut`: none, one or two pieces. */
function subtract(from: AddressInterval, cut: AddressInterval): AddressInterval[] {
  if (from.width !== cut.width || cut.high < from.low || cut.low > from.high) return [from];
  const pieces: AddressInterval[] = [];
  if (cut.low > from.low) pieces.push({ width: from.width, low: from.low, high: cut.low - 1n });
  if (cut.high < from.high) pieces.push({ width: from.width, low: cut.high + 1n, high: from.high });
  return pieces;
}

/** The addresses a block admits: its cidr without every except. */
export function admittedBy(block: { cidr: string; except?: readonly string[] }): AddressInterval[] {
  const whole = intervalOf(block.cidr);
  if (!whole) return [];
  let pieces = [whole];
  for (const except of block.except ?? []) {
    const cut = intervalOf(except);
    if (cut) pieces = pieces.flatMap((piece) => subtract(piece, cut));
  }
  return pieces;
}

/** Whether some admitted address lies in the CIDR. */
export function admitsSomeOf(admitted: readonly AddressInterval[], cidr: string): boolean {
  const range = intervalOf(cidr);
  return range !== undefined && admitted.some((piece) => piece.width === range.width && piece.low <= range.high && range.low <= piece.high);
}

/**
 * Whether a block may match a pod whose address is not known: it admits some address of the ranges
 * the pod's address may come from, or, with those ranges unknown, any address at all.
 */
export function mayAdmitUnknownAddress(
  block: { cidr: string; except?: readonly string[] },
  ranges: readonly string[] | undefined,
): boolean {
  const admitted = admittedBy(block);
  if (ranges === undefined || ranges.length === 0) return admitted.length > 0;
  return ranges.some((range) => admitsSomeOf(admitted, range));
}
