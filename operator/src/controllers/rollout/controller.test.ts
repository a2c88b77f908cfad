/** Which Rollout updates wake the rollout controller. */
import assert from 'node:assert/strict';
import { resumeAnnotation } from '../../api/rollout.js';
import { rolloutChanged } from './controller.js';
import { rollout } from './test-fixtures.js';

describe('rolloutChanged', () => {
  const before = rollout({ version: '2.0.0' }, { status: { phase: 'Progressing', updated: 1 } });

  it('passes a spec change, a new resume token and a new phase', () => {
    assert.ok(rolloutChanged(before, { ...before, metadata: { ...before.metadata, generation: 2 } }));
    assert.ok(rolloutChanged(before, { ...before, metadata: { ...before.metadata, annotations: { [resumeAnnotation]: 'x' } } }));
    assert.ok(rolloutChanged(before, { ...before, status: { phase: 'Paused' } }));
  });

  it('ignores status writes that change only counts', () => {
    assert.ok(!rolloutChanged(before, { ...before, status: { phase: 'Progressing', updated: 2 } }));
  });
});
