/**
 * RFC 8785 canonical JSON, as `canonicalize` writes it, built a piece at a time with a turn of the
 * event loop between pieces. A report at a thousand tenants is over 100 MB of JSON, mostly the
 * matrix's million cells; canonicalized in one call it blocked the operator's event loop for 8-11 s
 * each time (twice per signed report: to sign, to write), past the Lease's renew deadline
 * (docs/decisions/0031). Arrays and plain objects down to `depth` levels are walked here, in the
 * library's order and with its rules (keys sorted by code unit, undefined members left out,
 * undefined array elements written as null); anything deeper, or with a toJSON, is the library's.
 */
import canonicalize from 'canonicalize';
import { setImmediate as turn } from 'node:timers/promises';

/** Pieces canonicalized between two turns of the event loop. */
const piecesPerTurn = 2_000;

interface Writer {
  parts: string[];
  pieces: number;
}

function plainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

const skipped = (value: unknown): boolean => value === undefined || typeof value === 'symbol';

async function leaf(value: unknown, writer: Writer): Promise<void> {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('the value has no JSON form');
  writer.parts.push(text);
  writer.pieces += 1;
  if (writer.pieces % piecesPerTurn === 0) await turn();
}

async function writeArray(value: readonly unknown[], writer: Writer, depth: number): Promise<void> {
  writer.parts.push('[');
  for (const [index, element] of value.entries()) {
    if (index > 0) writer.parts.push(',');
    await write(skipped(element) ? null : element, writer, depth - 1);
  }
  writer.parts.push(']');
}

async function writeObject(value: Record<string, unknown>, writer: Writer, depth: number): Promise<void> {
  const keys = Object.keys(value)
    .sort()
    .filter((key) => !skipped(value[key]));
  writer.parts.push('{');
  for (const [index, key] of keys.entries()) {
    writer.parts.push(`${index > 0 ? ',' : ''}${canonicalize(key) ?? ''}:`);
    await write(value[key], writer, depth - 1);
  }
  writer.parts.push('}');
}

async function write(value: unknown, writer: Writer, depth: number): Promise<void> {
  if (depth > 0 && Array.isArray(value)) await writeArray(value as unknown[], writer, depth);
  else if (depth > 0 && plainObject(value)) await writeObject(value, writer, depth);
  else await leaf(value, writer);
}

/** The same bytes as `canonicalBytes(value)`, without holding the event loop for long. */
export async function canonicalBytesYielding(value: unknown, depth = 3): Promise<Buffer> {
  const writer: Writer = { parts: [], pieces: 0 };
  await write(value, writer, depth);
  return Buffer.from(writer.parts.join(''), 'utf8');
}
