/** Reading helm's output as Kubernetes reads YAML. */
import assert from 'node:assert/strict';
import { ManifestError, parseManifests } from './manifests.js';

describe('parsing rendered manifests', () => {
  it('returns one object per document and drops empty ones', () => {
    const text = [
      '---',
      '# Source: tenant-app/templates/empty.yaml',
      '---',
      '# Source: tenant-app/templates/configmap.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: a }',
      '---',
      '---',
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata: { name: b }',
      '',
    ].join('\n');
    assert.deepEqual(
      parseManifests(text).map((o) => o.metadata.name),
      ['a', 'b'],
    );
  });

  it('returns nothing for empty output', () => {
    assert.deepEqual(parseManifests(''), []);
  });

  it('reads YAML 1.1 as kubectl does: 0644 is octal and "on" is true', () => {
    const [object] = parseManifests('kind: X\nmetadata: { name: a }\nmode: 0644\nenabled: on\n');
    assert.deepEqual(object, { kind: 'X', metadata: { name: 'a' }, mode: 420, enabled: true });
  });

  it('keeps timestamps and colon-separated numbers as strings, as kubectl does', () => {
    const [object] = parseManifests('kind: X\nmetadata: { name: a }\ndate: 2001-12-14\nports: 1:20\n');
    assert.deepEqual(object, { kind: 'X', metadata: { name: 'a' }, date: '2001-12-14', ports: '1:20' });
  });

  it('refuses a document that is not an object with metadata', () => {
    assert.throws(
      () => parseManifests('kind: X\n---\n- a\n'),
      (error: unknown) => {
        assert.ok(error instanceof ManifestError);
        assert.match(error.message, /^document 1 is not a Kubernetes object/);
        return true;
      },
    );
  });

  it('refuses YAML it cannot parse, naming the document', () => {
    assert.throws(() => parseManifests('metadata: { name: a }\n---\nmetadata: [unclosed\n'), {
      name: 'ManifestError',
      message: /^document 2 is not valid YAML/,
    });
  });

  it('refuses to expand an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 12; level++) {
      const previous = String.fromCharCode(96 + level);
      const next = String.fromCharCode(97 + level);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    lines.push('metadata: { name: bomb }');
    assert.throws(
      () => parseManifests(lines.join('\n')),
      (error: unknown) => {
        assert.ok(error instanceof ManifestError);
        assert.match(error.message, /^document 1 cannot be read: Excessive alias count/);
        return true;
      },
    );
  });
});
