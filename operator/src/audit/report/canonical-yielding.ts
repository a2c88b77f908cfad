/**
 * RFC 8785 canonical JSON, as `canonicalize` writes it, built a piece at a time with a turn of the
 * event loop between pieces. A report at a thousand tenants is over 100 MB of JSON, mostly the
 * matrix's million cells; canonicalized in one call it blocked the operator's event loop for 8-11 s
 * each time (twice per signed report: to sign, to write), past the Lease's renew deadline
 * (docs/decisions/0031). Arrays and plain objects down to `depth` levels are walked here, in the
 * library's order and with its rules (keys sorted by code unit, undefined members left out,
 * undefined array elements written as null); anything deeper, or with a toJSON, is the library's.
 *
 * The text goes into one buffer as it is written, never into one string: a whole-report string
 * and its parts were two more copies of the report in the V8 heap, beside the bytes
 * (docs/decisions/0039); the buffer is sized by a first walk that only counts (0051). Where each top-level member starts is recorded, and the buffer can have
 * room after the text, so a signature can be put into the bytes in its sorted place, in the same
 * buffer, without writing the report a second time (signing.ts).
 */
import canonicalize from 'canonicalize';
import { setImmediate as turn } from 'node:timers/promises';

/** Pieces canonicalized between two turns of the event loop. */
const piecesPerTurn = 2_000;

/** Text gathered up to this many characters before it is encoded into a chunk of bytes. */
const charactersPerChunk = 1 << 16;

/**
 * Writes the text into `target` as it goes, or, without a target, only counts its bytes: the
 * document is walked twice, once to learn its length and once into a buffer of that length, so
 * the report is held once as bytes, never as chunks beside their copy (docs/decisions/0051).
 */
class Writer {
  pieces = 0;
  /** Bytes written so far, flushed and pending text both. */
  length = 0;
  /** Where each member of the top-level object starts (its key's opening quote), in bytes. */
  readonly memberOffsets = new Map<string, number>();
  private flushed = 0;
  private pending: string[] = [];
  private pendingCharacters = 0;

  constructor(private readonly target?: Buffer) {}

  push(text: string): void {
    this.length += Buffer.byteLength(text, 'utf8');
    if (!this.target) return;
    this.pending.push(text);
    this.pendingCharacters += text.length;
    if (this.pendingCharacters >= charactersPerChunk) this.flush();
  }

  flush(): void {
    if (!this.target || this.pending.length === 0) return;
    this.flushed += this.target.write(this.pending.join(''), this.flushed, 'utf8');
    this.pending = [];
    this.pendingCharacters = 0;
  }
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
  writer.push(text);
  writer.pieces += 1;
  if (writer.pieces % piecesPerTurn === 0) await turn();
}

async function writeArray(value: readonly unknown[], writer: Writer, depth: number): Promise<void> {
  writer.push('[');
  for (const [index, element] of value.entries()) {
    if (index > 0) writer.push(',');
    await write(skipped(element) ? null : element, writer, depth - 1);
  }
  writer.push(']');
}

async function writeObject(value: Record<string, unknown>, writer: Writer, depth: number, top: boolean): Promise<void> {
  const keys = Object.keys(value)
    .sort()
    .filter((key) => !skipped(value[key]));
  writer.push('{');
  for (const [index, key] of keys.entries()) {
    if (index > 0) writer.push(',');
    if (top) writer.memberOffsets.set(key, writer.length);
    writer.push(`${canonicalize(key) ?? ''}:`);
    await write(value[key], writer, depth - 1);
  }
  writer.push('}');
}

async function write(value: unknown, writer: Writer, depth: number, top = false): Promise<void> {
  if (depth > 0 && Array.isArray(value)) await writeArray(value as unknown[], writer, depth);
  else if (depth > 0 && plainObject(value)) await writeObject(value, writer, depth, top);
  else await leaf(value, writer);
}

export interface CanonicalDocument {
  /** The canonical text in its first `length` bytes, then the room asked for. */
  buffer: Buffer;
  length: number;
  /** For a top-level object walked here: where each member starts in `buffer`. */
  memberOffsets: ReadonlyMap<string, number>;
}

/** canonicalBytesYielding in a buffer with `room` spare bytes at the end, with where each top-level member starts. */
export async function canonicalDocumentYielding(value: unknown, room = 0, depth = 3): Promise<CanonicalDocument> {
  const counter = new Writer();
  await write(value, counter, depth, true);
  const buffer = Buffer.allocUnsafe(counter.length + room);
  const writer = new Writer(buffer);
  await write(value, writer, depth, true);
  writer.flush();
  if (writer.length !== counter.length) throw new Error('the document changed while it was being written');
  return { memberOffsets: writer.memberOffsets, length: writer.length, buffer };
}

/** The same bytes as `canonicalBytes(value)`, without holding the event loop for long. */
export async function canonicalBytesYielding(value: unknown, depth = 3): Promise<Buffer> {
  return (await canonicalDocumentYielding(value, 0, depth)).buffer;
}
