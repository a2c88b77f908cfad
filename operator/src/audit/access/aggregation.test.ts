/** ClusterRole aggregation computed from labels, whatever the stored rules say. */
import assert from 'node:assert/strict';
import { effectiveClusterRoleRules } from './aggregation.js';
import type { PolicyRule, RoleObject } from './rbac-types.js';

const secretsRead: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['secrets'] };
const podsWrite: PolicyRule = { verbs: ['create'], apiGroups: [''], resources: ['pods'] };

function clusterRole(name: string, fields: Partial<RoleObject> & { labels?: Record<string, string> } = {}): RoleObject {
  const { labels, ...rest } = fields;
  return { kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules: [], ...rest };
}

const aggregateTo = (key: string) => ({ clusterRoleSelectors: [{ matchLabels: { [key]: 'true' } }] });

describe('ClusterRole aggregation', () => {
  it('fills an aggregated role whose rules are empty from the roles its selector picks', () => {
    const rules = effectiveClusterRoleRules([
      clusterRole('reader', { aggregationRule: aggregateTo('x/aggregate-to-reader'), rules: null }),
      clusterRole('secrets', { labels: { 'x/aggregate-to-reader': 'true' }, rules: [secretsRead] }),
      clusterRole('unlabelled', { rules: [podsWrite] }),
    ]);
    assert.deepEqual(rules.get('reader'), [{ rule: secretsRead, aggregatedFrom: ['secrets'] }]);
  });

  it('keeps the stored rules of an aggregated role as well (what is enforced until the controller runs)', () => {
    const rules = effectiveClusterRoleRules([
      clusterRole('reader', { aggregationRule: aggregateTo('x/r'), rules: [podsWrite] }),
      clusterRole('secrets', { labels: { 'x/r': 'true' }, rules: [secretsRead] }),
    ]);
    assert.deepEqual(rules.get('reader'), [{ rule: podsWrite }, { rule: secretsRead, aggregatedFrom: ['secrets'] }]);
  });

  it('follows nested aggregation and names the chain', () => {
    const rules = effectiveClusterRoleRules([
      clusterRole('outer', { aggregationRule: aggregateTo('x/outer') }),
      clusterRole('middle', { labels: { 'x/outer': 'true' }, aggregationRule: aggregateTo('x/middle') }),
      clusterRole('inner', { labels: { 'x/middle': 'true' }, rules: [secretsRead] }),
    ]);
    assert.deepEqual(rules.get('outer'), [{ rule: secretsRead, aggregatedFrom: ['middle', 'inner'] }]);
  });

  it('stops at a cycle and never selects the role itself', () => {
    const rules = effectiveClusterRoleRules([
      clusterRole('a', { labels: { 'x/b': 'true', 'x/a': 'true' }, aggregationRule: aggregateTo('x/a'), rules: [podsWrite] }),
      clusterRole('b', { labels: { 'x/a': 'true' }, aggregationRule: aggregateTo('x/b'), rules: [secretsRead] }),
    ]);
    assert.deepEqual(rules.get('a'), [{ rule: podsWrite }, { rule: secretsRead, aggregatedFrom: ['b'] }]);
  });

  it('matches selectors with matchExpressions', () => {
    const rules = effectiveClusterRoleRules([
      clusterRole('reader', {
        aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }] },
      }),
      clusterRole('gold', { labels: { tier: 'gold' }, rules: [secretsRead] }),
      clusterRole('silver', { labels: { tier: 'silver' }, rules: [podsWrite] }),
    ]);
    assert.deepEqual(
      rules.get('reader')?.map((r) => r.aggregatedFrom),
      [['gold']],
    );
  });

  it('treats an empty selector as selecting every ClusterRole, as the controller does', () => {
    const rules = effectiveClusterRoleRules([
      clusterRole('everything', { aggregationRule: { clusterRoleSelectors: [{}] } }),
      clusterRole('secrets', { rules: [secretsRead] }),
    ]);
    assert.deepEqual(rules.get('everything'), [{ rule: secretsRead, aggregatedFrom: ['secrets'] }]);
  });
});
