/** Label selector matching as metav1 label selectors define it. */
import assert from 'node:assert/strict';
import type { LabelSelector } from './model.js';
import { selectorMatches } from './selectors.js';

const labels = { app: 'web', tier: 'front' };

const cases: [string, LabelSelector, boolean][] = [
  ['matches everything with an empty selector', {}, true],
  ['matches everything with empty matchLabels and matchExpressions', { matchLabels: {}, matchExpressions: [] }, true],
  ['needs every matchLabels entry', { matchLabels: { app: 'web', tier: 'back' } }, false],
  ['matches when every matchLabels entry holds', { matchLabels: { app: 'web', tier: 'front' } }, true],
  ['matches In when the value is listed', { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] }, true],
  ['does not match In when the key is absent', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
  ['matches NotIn when the key is absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
  ['does not match NotIn when the value is listed', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
  ['matches Exists on a present key whatever its value', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
  ['does not match DoesNotExist on a present key', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
  ['matches DoesNotExist on an absent key', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
  [
    'ANDs matchLabels with matchExpressions',
    { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] },
    false,
  ],
];

describe('label selectors', () => {
  for (const [name, selector, expected] of cases) {
    it(name, () => assert.equal(selectorMatches(selector, labels), expected));
  }

  it('does not mistake an inherited property for a label', () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}), false);
  });
});
