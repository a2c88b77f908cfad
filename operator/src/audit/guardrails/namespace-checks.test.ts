import assert from 'node:assert/strict';
import { podSecurityLabels } from '../../resources/namespace.js';
import { judgeNamespace, judgePodSecurity, type NamespaceFacts } from './namespace-checks.js';

const labels = { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.dev/tenant': 'acme', ...podSecurityLabels('v1.36') };
const facts = (overrides: Record<string, string | undefined> = {}, version = 'v1.36'): NamespaceFacts => {
  const merged = Object.fromEntries(Object.entries({ ...labels, ...overrides }).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return {
    tenant: 'acme',
    namespace: 'tenant-acme',
    podSecurityVersion: version,
    live: { metadata: { name: 'tenant-acme', labels: merged } },
  };
};

describe('the namespace guardrail checks', () => {
  it('pass the namespace the operator builds', () => {
    assert.equal(judgeNamespace(facts()).result, 'pass');
    assert.equal(judgePodSecurity(facts()).result, 'pass');
  });

  it('find a missing namespace and a namespace labelled for another tenant', () => {
    assert.equal(judgeNamespace({ ...facts(), live: undefined }).reason, 'NamespaceMissing');
    assert.equal(judgePodSecurity({ ...facts(), live: undefined }).reason, 'NamespaceMissing');
    assert.equal(judgeNamespace(facts({ 'bulkhead.dev/tenant': 'globex' })).reason, 'NamespaceLabelsWrong');
  });

  it('find a removed Pod Security label, naming the mode', () => {
    const check = judgePodSecurity(facts({ 'pod-security.kubernetes.io/enforce': undefined }));
    assert.equal(check.result, 'fail');
    assert.equal(check.reason, 'PodSecurityLabelMissing');
    assert.match(check.message, /pod-security\.kubernetes\.io\/enforce is missing/);
  });

  it('find a mode weakened to baseline or privileged', () => {
    assert.equal(judgePodSecurity(facts({ 'pod-security.kubernetes.io/warn': 'privileged' })).reason, 'PodSecurityLevelWeakened');
  });

  it('call a missing or latest version unpinned, and another pinned version different', () => {
    assert.equal(judgePodSecurity(facts({ 'pod-security.kubernetes.io/audit-version': undefined })).reason, 'PodSecurityVersionNotPinned');
    assert.equal(judgePodSecurity(facts({ 'pod-security.kubernetes.io/enforce-version': 'latest' })).reason, 'PodSecurityVersionNotPinned');
    assert.equal(judgePodSecurity(facts({ 'pod-security.kubernetes.io/enforce-version': 'v1.30' })).reason, 'PodSecurityVersionDiffers');
  });

  it('refuse latest even when the operator is configured with it', () => {
    const check = judgePodSecurity(facts(podSecurityLabels('latest'), 'latest'));
    assert.equal(check.reason, 'PodSecurityVersionNotPinned');
  });

  it('name the gravest problem when there are several', () => {
    const check = judgePodSecurity(
      facts({ 'pod-security.kubernetes.io/enforce-version': 'latest', 'pod-security.kubernetes.io/warn': undefined }),
    );
    assert.equal(check.reason, 'PodSecurityLabelMissing');
    assert.match(check.message, /warn is missing.*|enforce-version is latest/);
  });
});
