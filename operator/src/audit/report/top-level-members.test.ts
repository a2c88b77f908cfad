/** Top-level members read from a JSON object's bytes agree with JSON.parse, on generated documents and on the awkward cases. */
import assert from 'node:assert/strict';
import { parseMember, topLevelMembers } from './top-level-members.js';

/** A small seeded PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const awkwardText = [
  '',
  'plain',
  'a "quoted" word',
  'back\\slash\\',
  '{ "signature": 1 }',
  '[]{},:',
  'ünïcødé ✓ 𝄞',
  'line\nbreak\ttab',
  '\u0000\u001f',
];
const names = ['format', 'signature', 'checks', 'sig"nature', 'signature ', 'ü'];

function value(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 7));
  if (pick === 0) return awkwardText[Math.floor(random() * awkwardText.length)];
  if (pick === 1) return Math.round((random() - 0.5) * 1e6) / 100;
  if (pick === 2) return random() < 0.5;
  if (pick === 3) return null;
  if (pick === 4) return -1e21;
  if (pick === 5) return Array.from({ length: Math.floor(random() * 4) }, () => value(random, depth + 1));
  return object(random, depth + 1);
}

function object(random: () => number, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of names) if (random() < 0.5) result[name] = value(random, depth);
  return result;
}

const bytesOf = (document: unknown, indent?: number): Buffer => Buffer.from(JSON.stringify(document, null, indent), 'utf8');

describe('top-level members of a JSON object, read without parsing it', () => {
  it('agree with JSON.parse on generated documents, compact and indented', () => {
    const seed = Number(process.env.TOP_LEVEL_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    for (let round = 0; round < 500; round += 1) {
      const document = object(random, 0);
      for (const bytes of [bytesOf(document), bytesOf(document, 2)]) {
        const found = topLevelMembers(bytes, ['signature', 'format', 'sig"nature', 'ü']);
        for (const name of ['signature', 'format', 'sig"nature', 'ü']) {
          assert.deepEqual(
            found.has(name) ? parseMember(found.get(name) ?? new Uint8Array()) : undefined,
            document[name],
            `member ${name} of round ${round} (TOP_LEVEL_SEED=${seed})`,
          );
        }
      }
    }
  });

  it('finds nothing in an empty object and a member that is only nested', () => {
    assert.equal(topLevelMembers(Buffer.from(' { } '), ['signature']).size, 0);
    assert.equal(topLevelMembers(bytesOf({ checks: [{ signature: 'inner' }], x: { signature: 1 } }), ['signature']).size, 0);
  });

  it('refuses what is not one JSON object, and a wanted member named twice', () => {
    const refused: [string, RegExp][] = [
      ['[1, 2]', /not a JSON object/],
      ['{"a": 1', /"," or "}" expected/],
      ['{"a": 1,', /unterminated object/],
      ['{"a": "1}', /unterminated string/],
      ['{"a": [1, 2', /unterminated object or array/],
      ['{"a": 1,}', /member name expected/],
      ['{"a" 1}', /":" expected/],
      ['{"a": }', /missing value/],
      ['{"a": 1} {"b": 2}', /text after the object/],
      ['{"a": 1 "b": 2}', /"," or "}" expected/],
      ['{"signature": 1, "signature": 2}', /appears twice/],
    ];
    for (const [text, reason] of refused) assert.throws(() => topLevelMembers(Buffer.from(text), ['signature']), reason, text);
    assert.equal(topLevelMembers(Buffer.from('{"a": 1, "a": 2}'), ['signature']).size, 0, 'a repeated member nobody asked for is not read');
  });
});
