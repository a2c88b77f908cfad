/**
 * The wire against the analyzer, on Bulkhead's own policies for two tenants and the ingress
 * namespace: agreement passes, an opened connection the policies refuse is EnforcementMismatch with
 * both verdicts, an unanswered attempt is an error, and only a full measurement replaces the limitation.
 */
import assert from 'node:assert/strict';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { defaultAssumptions } from '../network/index.js';
import { NetworkPolicyManifestSchema, networkPolicyOf } from '../network/manifest-schema.js';
import { enforcementChecks, measuredEnforcementLimitation, probedMatrix } from './judge.js';
import type { Attempt, Observation, ProbePlan } from './model.js';
import { predict } from './predict.js';

const settings = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const tenants = ['a', 'b'].map((name) => ({ name, uid: `uid-${name}`, namespace: `tenant-${name}` }));
const policies = tenants
  .flatMap((tenant) =>
    buildNetworkPolicies(tenant, { namespace: tenant.namespace, egress: [], ingressPorts: [{ protocol: 'TCP', port: 8080 }] }, settings),
  )
  .map((object) => networkPolicyOf(NetworkPolicyManifestSchema.parse(object)));
const namespaces = ['tenant-a', 'tenant-b', 'ingress-nginx'].map((name) => ({ name, labels: { 'kubernetes.io/metadata.name': name } }));
const plan: ProbePlan = {
  runId: 'r1',
  ports: [8080],
  sites: [
    ...tenants.map((t) => ({
      namespace: t.namespace,
      tenant: { name: t.name, uid: t.uid },
      labels: { 'bulkhead.dev/tenant': t.name },
      portNames: {},
    })),
    { namespace: 'ingress-nginx', labels: {}, portNames: {} },
  ],
};
const listeners = plan.sites.map((site, index) => ({
  namespace: site.namespace,
  pod: 'l',
  labels: site.labels,
  address: `198.18.128.${10 + index}`,
}));

/** What Bulkhead's policies allow: within a namespace, and the ingress namespace into a tenant on 8080 (and to itself). */
function allowed(from: string, to: string): boolean {
  return from === to || (from === 'ingress-nginx' && to.startsWith('tenant-'));
}

function observation(change: (attempt: Attempt) => Attempt = (attempt) => attempt): Observation {
  const attempts = plan.sites.flatMap(({ namespace: from }) =>
    plan.sites.map(({ namespace: to }): Attempt => change({ from, to, port: 8080, verdict: allowed(from, to) ? 'connected' : 'refused' })),
  );
  return { plan, listeners, tryingAddresses: {}, attempts, startedAt: '2026-12-06T04:00:00.000Z', finishedAt: '2026-12-06T04:00:09.000Z' };
}

const prediction = predict({ namespaces, policies }, observation(), defaultAssumptions);

describe('the wire against the analyzer', () => {
  it("predicts, for the probe pods, exactly what Bulkhead's policies declare", () => {
    for (const from of plan.sites) {
      for (const to of plan.sites)
        assert.equal(
          prediction.get(`${from.namespace}\u0000${to.namespace}\u00008080`),
          allowed(from.namespace, to.namespace),
          `${from.namespace} → ${to.namespace}`,
        );
    }
  });

  it("resolves a named policy port (the app Service's targetPort: http) against the listener's port names, as the enforcer does", () => {
    const named = tenants
      .flatMap((tenant) =>
        buildNetworkPolicies(
          tenant,
          { namespace: tenant.namespace, egress: [], ingressPorts: [{ protocol: 'TCP', port: 'http' }] },
          settings,
        ),
      )
      .map((object) => networkPolicyOf(NetworkPolicyManifestSchema.parse(object)));
    const fromIngress = (portNames: Record<number, string>) => {
      const sites = plan.sites.map((site) => (site.tenant ? { ...site, portNames } : site));
      return predict({ namespaces, policies: named }, { ...observation(), plan: { ...plan, sites } }, defaultAssumptions).get(
        'ingress-nginx\u0000tenant-a\u00008080',
      );
    };
    assert.equal(fromIngress({ 8080: 'http' }), true, 'the listener names 8080 http as the app does');
    assert.equal(fromIngress({}), false, 'an unnamed port never matches a named policy port');
  });

  it('passes each tenant when the wire agrees, and replaces the limitation with what was measured and when', () => {
    const checks = enforcementChecks(observation(), prediction);
    assert.deepEqual(
      checks.map((check) => [check.tenant, check.result]),
      [
        ['a', 'pass'],
        ['b', 'pass'],
      ],
    );
    assert.match(
      measuredEnforcementLimitation(observation(), prediction) ?? '',
      /measured between 2026-12-06T04:00:00.000Z and 2026-12-06T04:00:09.000Z.*3 namespaces.*tcp\/8080.*every attempt agreed/,
    );
  });

  it('reports a connection the policies refuse as EnforcementMismatch with both verdicts, for both tenants', () => {
    const open = observation((attempt) =>
      attempt.from === 'tenant-a' && attempt.to === 'tenant-b' ? { ...attempt, verdict: 'connected' } : attempt,
    );
    const checks = enforcementChecks(open, prediction);
    assert.deepEqual(
      checks.map((check) => [check.tenant, check.result, check.reason]),
      [
        ['a', 'fail', 'EnforcementMismatch'],
        ['b', 'fail', 'EnforcementMismatch'],
      ],
    );
    assert.match(checks[0]?.message ?? '', /tenant-a → tenant-b tcp\/8080: the policies say refused, the wire connected/);
    assert.deepEqual((checks[0]?.evidence as { disagreements: unknown[] }).disagreements[0], {
      from: 'tenant-a',
      to: 'tenant-b',
      port: 'tcp/8080',
      predicted: 'refused',
      observed: 'connects',
    });
    const cell = probedMatrix(open, prediction).cells.find((c) => c.from === 'tenant-a' && c.to === 'tenant-b');
    assert.deepEqual(cell, { from: 'tenant-a', to: 'tenant-b', predicted: [], observed: ['tcp/8080'], unknown: [] });
    assert.match(measuredEnforcementLimitation(open, prediction) ?? '', /1 attempt\(s\) disagreed/);
  });

  it('never passes a tenant with an unanswered attempt, and keeps the standard limitation then', () => {
    const lost = observation((attempt) =>
      attempt.to === 'tenant-b' ? { ...attempt, verdict: 'unknown', why: 'the listening pod did not come up' } : attempt,
    );
    const checks = enforcementChecks(lost, prediction);
    assert.deepEqual(
      checks.map((check) => [check.tenant, check.result, check.reason]),
      [
        ['a', 'error', 'ProbeInconclusive'],
        ['b', 'error', 'ProbeInconclusive'],
      ],
    );
    assert.equal(measuredEnforcementLimitation(lost, prediction), null);
  });
});
