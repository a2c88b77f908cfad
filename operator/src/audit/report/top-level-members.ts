/**
 * Some top-level members of a JSON object, read from its UTF-8 bytes without building the rest of
 * the document. The operator's periodic audit needs two small members (`format` and `signature`)
 * of the report it published last, to join its next report to the chain; parsing and validating the
 * whole report for them held the report several times over in the heap (a 28 MB report at 1000
 * tenants, more while tenants are pending) and stalled the event loop for seconds beside the Lease
 * renewals (docs/performance.md, issue 17).
 *
 * Hand-written because the JSON libraries at hand (JSON.parse, zod) build the whole document. It
 * walks the bytes once: every structural character of JSON is ASCII and no byte of a multi-byte
 * UTF-8 sequence is, so strings are skipped by their quotes and backslashes, and containers by
 * depth. Each member found is returned as its own bytes, for JSON.parse. A document that is not one
 * JSON object, or names a wanted member twice, is refused; the values skipped are not validated
 * beyond their brackets and quotes (the caller does not rely on them).
 */

const quote = 0x22;
const backslash = 0x5c;
const colon = 0x3a;
const comma = 0x2c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

const isWhitespace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function skipWhitespace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (isWhitespace(bytes[i])) i += 1;
  return i;
}

/** The index just past the string whose opening quote is at `at`. */
function skipString(bytes: Uint8Array, at: number): number {
  let i = at + 1;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte === backslash) i += 2;
    else if (byte === quote) return i + 1;
    else i += 1;
  }
  throw new Error('an unterminated string');
}

/** The index just past the object or array whose opening bracket is at `at`. */
function skipContainer(bytes: Uint8Array, at: number): number {
  let depth = 0;
  let i = at;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte === quote) {
      i = skipString(bytes, i);
      continue;
    }
    if (byte === openBrace || byte === openBracket) depth += 1;
    else if (byte === closeBrace || byte === closeBracket) depth -= 1;
    i += 1;
    if (depth === 0) return i;
  }
  throw new Error('an unterminated object or array');
}

/** The index just past the value that starts at `at` (a string, container, number or literal). */
function skipValue(bytes: Uint8Array, at: number): number {
  const byte = bytes[at];
  if (byte === quote) return skipString(bytes, at);
  if (byte === openBrace || byte === openBracket) return skipContainer(bytes, at);
  let i = at;
  while (i < bytes.length && !isWhitespace(bytes[i]) && bytes[i] !== comma && bytes[i] !== closeBrace) i += 1;
  if (i === at) throw new Error(`a missing value at byte ${at}`);
  return i;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One member: its name and where its value lies; `next` is past it. */
function readMember(bytes: Uint8Array, at: number): { name: string; value: Uint8Array; next: number } {
  if (bytes[at] !== quote) throw new Error(`a member name expected at byte ${at}`);
  const nameEnd = skipString(bytes, at);
  const name = JSON.parse(decoder.decode(bytes.subarray(at, nameEnd))) as string;
  const afterName = skipWhitespace(bytes, nameEnd);
  if (bytes[afterName] !== colon) throw new Error(`":" expected after member ${JSON.stringify(name)}`);
  const valueStart = skipWhitespace(bytes, afterName + 1);
  const valueEnd = skipValue(bytes, valueStart);
  return { name, value: bytes.subarray(valueStart, valueEnd), next: skipWhitespace(bytes, valueEnd) };
}

/**
 * The wanted top-level members of the JSON object in `bytes`, each as the bytes of its value (a
 * member absent is absent from the map). Throws when `bytes` is not one JSON object or names a
 * wanted member twice.
 */
export function topLevelMembers(bytes: Uint8Array, wanted: readonly string[]): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  let i = skipWhitespace(bytes, 0);
  if (bytes[i] !== openBrace) throw new Error('not a JSON object');
  i = skipWhitespace(bytes, i + 1);
  if (bytes[i] === closeBrace) i += 1;
  while (i < bytes.length && bytes[i - 1] !== closeBrace) {
    const member = readMember(bytes, i);
    if (wanted.includes(member.name)) {
      if (found.has(member.name)) throw new Error(`member ${JSON.stringify(member.name)} appears twice`);
      found.set(member.name, member.value);
    }
    i = afterSeparator(bytes, member.next);
  }
  if (bytes[i - 1] !== closeBrace) throw new Error('an unterminated object');
  if (skipWhitespace(bytes, i) !== bytes.length) throw new Error(`text after the object at byte ${i}`);
  return found;
}

/** Past the "," before the next member (and its whitespace), or past the object's closing "}". */
function afterSeparator(bytes: Uint8Array, at: number): number {
  if (bytes[at] === comma) return skipWhitespace(bytes, at + 1);
  if (bytes[at] === closeBrace) return at + 1;
  throw new Error(`"," or "}" expected at byte ${at}`);
}

/** The value of a member found by topLevelMembers, parsed. */
export function parseMember(value: Uint8Array): unknown {
  return JSON.parse(decoder.decode(value));
}
