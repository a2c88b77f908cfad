import assert from 'node:assert/strict';
import { ForwardWatch, type ForwardProbe } from './installed-platform.js';

/** The probe counts at which the watch asks for a replacement, for a sequence of probes. */
const replacements = (probes: ForwardProbe[]): number[] => {
  const watch = new ForwardWatch();
  return probes.flatMap((probe, i) => (watch.replaceAfter(probe) ? [i + 1] : []));
};

describe('ForwardWatch (when the platform replaces its kubectl port-forward)', () => {
  it('replaces a forward whose connections are closed twice in a row', () => {
    assert.deepEqual(replacements(['ok', 'broken', 'broken']), [3]);
  });

  it('keeps a forward that answers late on a busy machine, until it has been silent six probes in a row', () => {
    assert.deepEqual(replacements(['slow', 'slow', 'slow', 'slow', 'slow']), []);
    assert.deepEqual(replacements(['slow', 'slow', 'slow', 'slow', 'slow', 'slow']), [6]);
  });

  it('starts counting again after an answer, and after each replacement', () => {
    assert.deepEqual(replacements(['broken', 'ok', 'broken', 'slow', 'slow', 'ok', 'slow']), []);
    assert.deepEqual(replacements(['broken', 'broken', 'broken', 'broken']), [2, 4]);
  });

  it('counts each kind only in a row: closed connections with late answers between them are not two in a row', () => {
    assert.deepEqual(replacements(['slow', 'slow', 'broken', 'slow', 'broken']), []);
  });
});
