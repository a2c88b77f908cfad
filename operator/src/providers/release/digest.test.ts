/** The digest of a rendered release: the same objects, the same digest. */
import assert from 'node:assert/strict';
import { canonicalJson, digestOf } from './digest.js';

describe('release digest', () => {
  it('writes JSON with sorted keys at every level and no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('leaves out undefined fields, as JSON does', () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  });

  it('does not depend on the order of keys', () => {
    assert.equal(digestOf([{ kind: 'A', metadata: { name: 'a' } }]), digestOf([{ metadata: { name: 'a' }, kind: 'A' }]));
  });

  it('changes when a value changes or objects are reordered', () => {
    const a = { kind: 'A', metadata: { name: 'a' } };
    const b = { kind: 'B', metadata: { name: 'b' } };
    assert.notEqual(digestOf([a, b]), digestOf([b, a]));
    assert.notEqual(digestOf([a]), digestOf([{ ...a, data: { x: '1' } }]));
  });

  it('is a sha256 in the form sha256:<hex>', () => {
    assert.match(digestOf([]), /^sha256:[0-9a-f]{64}$/);
  });
});
