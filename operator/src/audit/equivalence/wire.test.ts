/**
 * The probes on the wire, judged from attempts grouped once (docs/decisions/0060), and planned from
 * pods grouped by namespace, give the matrix, checks and plan of the scans before, byte for byte, on
 * random observations: attempts of every verdict, predictions that agree and that do not, a
 * namespace's attempts to itself, platform sites without a tenant; pods of other tenants, probes,
 * finished pods and pods without a ReplicaSet in the tenant's namespace.
 */
import assert from 'node:assert/strict';
import { tenantLabel } from '../../api/labels.js';
import { enforcementChecks, probedMatrix } from '../wire/judge.js';
import { probeRunLabel, type Attempt, type Observation } from '../wire/model.js';
import { probePlan, type PlanInput } from '../wire/plan.js';
import { cellKey } from '../wire/predict.js';
import { seeded, seeds, type Random } from './random.js';
import { enforcementChecks as enforcementChecksBefore, probedMatrix as probedMatrixBefore } from './reference/wire-judge.js';
import { probePlan as probePlanBefore } from './reference/wire-plan.js';

const fixedSeeds = Array.from({ length: 30 }, (_, i) => 4000 + i);

const same = (actual: unknown, expected: unknown, seed: number): void => {
  assert.deepEqual(actual, expected, `seed ${seed} (EQUIVALENCE_SEEDS=${seed} reproduces it)`);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), `seed ${seed}: the same bytes`);
};

function observationOf(random: Random): { observation: Observation; prediction: Map<string, boolean> } {
  const count = 2 + random.int(12);
  const sites = Array.from({ length: count }, (_, i) => ({
    namespace: i === count - 1 && random.chance(0.5) ? 'ingress-nginx' : `tenant-t${i}`,
    ...(i === count - 1 ? {} : { tenant: { name: `t${i}`, uid: `u${i}` } }),
    labels: { app: 'x' },
    portNames: {},
  }));
  const ports = random.chance(0.5) ? [8080] : [80, 8080];
  const prediction = new Map<string, boolean>();
  const attempts: Attempt[] = sites.flatMap((from) =>
    sites.flatMap((to) =>
      ports.flatMap((port): Attempt[] => {
        if (random.chance(0.9)) prediction.set(cellKey(from.namespace, to.namespace, port), random.chance(0.2) || from === to);
        if (random.chance(0.05)) return [];
        const verdict = random.pick(['connected', 'refused', 'refused', 'unknown'] as const);
        return [{ from: from.namespace, to: to.namespace, port, verdict, ...(verdict === 'unknown' ? { why: 'timeout' } : {}) }];
      }),
    ),
  );
  const observation: Observation = {
    startedAt: '2026-12-07T09:00:00Z',
    finishedAt: '2026-12-07T09:01:00Z',
    plan: { runId: 'r1', sites, ports },
    listeners: [],
    tryingAddresses: {},
    attempts: attempts.sort(() => random.next() - 0.5),
  };
  return { observation, prediction };
}

function planInputOf(random: Random): PlanInput {
  const tenants = Array.from({ length: 1 + random.int(12) }, (_, i) => ({ name: `t${i}`, uid: `u${i}`, namespace: `tenant-t${i}` }));
  const pods = Array.from({ length: random.int(tenants.length * 3) }, (_, i) => {
    const tenant = random.pick(tenants);
    const owner = random.pick(tenants);
    return {
      metadata: {
        name: random.pick(['app-a', 'app-b', `pod-${i}`]),
        namespace: random.chance(0.9) ? tenant.namespace : 'kube-system',
        labels: {
          [tenantLabel]: owner.name,
          app: random.pick(['web', 'api']),
          'pod-template-hash': 'abc',
          ...(random.chance(0.1) ? { [probeRunLabel]: 'r0' } : {}),
        },
        ownerReferences: random.chance(0.9) ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', controller: true }] : [],
      },
      spec: {
        containers: [{ ports: [{ name: random.pick(['http', 'web']), containerPort: random.pick([8080, 9090]), protocol: 'TCP' }] }],
      },
      status: { phase: random.pick(['Running', 'Running', 'Succeeded']) },
    };
  });
  return {
    runId: 'r1',
    tenants,
    pods,
    servicePorts: new Map(
      tenants.map((tenant) => [tenant.name, [{ protocol: 'TCP' as const, port: random.pick<number | string>([80, 'http', 'web']) }]]),
    ),
    platformNamespaces: random.chance(0.5) ? ['ingress-nginx'] : [],
  };
}

describe('the probes on the wire from grouped attempts and pods (decision 0060)', function () {
  this.timeout(60_000);

  it('give the matrix and the enforcement checks of the scans before', () => {
    const results = new Set<string>();
    for (const seed of seeds(fixedSeeds)) {
      const { observation, prediction } = observationOf(seeded(seed));
      same(probedMatrix(observation, prediction), probedMatrixBefore(observation, prediction), seed);
      const checks = enforcementChecks(observation, prediction);
      same(checks, enforcementChecksBefore(observation, prediction), seed);
      for (const check of checks) results.add(check.result);
    }
    assert.ok(results.has('fail') && results.has('error'), 'the random observations should bring mismatches and unanswered attempts');
  });

  it('plan the same sites, labels, port names and ports', () => {
    let named = 0;
    for (const seed of seeds(fixedSeeds)) {
      const input = planInputOf(seeded(seed));
      const plan = probePlan(input);
      same(plan, probePlanBefore(input), seed);
      named += plan.sites.filter((site) => Object.keys(site.portNames).length > 0).length;
    }
    assert.ok(named > 10, `only ${named} sites with named ports: the random pods test nothing`);
  });
});
