import assert from 'node:assert/strict';
import { repoRoot } from '../../operator/test/support/cluster.js';
import { chartOperatorMemoryLimitMiB, issue17Verdicts, quantityMiB, type Issue17Inputs } from './issue17-targets.js';

/** A run that meets every target. */
const metAll: Issue17Inputs = {
  rssMiB: { compiledIdle: 70, compiledAllReady: 140 },
  idleAfterAuditMiB: 78,
  resync: { ms: 70_000, compiledMs: 45_000, writesExcludingLeases: 0 },
  ratioFullStack: 1.1,
  p50Ms: 100_000,
  totalMs: 300_000,
  api: {
    rate: 1000,
    maxThroughput: { requestsPerSecond: 2400 },
    fixedRate: { requestsPerSecond: 999, latencyMs: { p99: 12 }, non2xx: 0, errors: 0 },
  },
  periodicAudit: {
    finished: true,
    seconds: 90,
    peakRssMiB: 400,
    longestStallSeconds: 1.2,
    publishedParts: 2,
    compressedBytes: 1_200_000,
    leaseKept: true,
    publishedVerifies: true,
  },
  installedAudit: {
    limitMiB: 512,
    finished: true,
    seconds: 100,
    peakRssMiB: 420,
    peakHeapUsedMiB: 210,
    longestStallSeconds: 0.8,
    cgroupPeakMiB: 450,
    oomKills: 0,
    leaseKept: true,
    publishedVerifies: true,
  },
  cliAudit: { exitCode: 0, costLine: '1000 tenants audited in 80 s', wallSeconds: 81 },
  operatorMemoryLimitMiB: 512,
};

const missed = (inputs: Issue17Inputs): string[] =>
  issue17Verdicts(inputs)
    .filter((row) => row.verdict === 'missed')
    .map((row) => row.target);

describe("issue 17's targets against one bench run", () => {
  it('lists every target of the issue, all met for a run within each', () => {
    const rows = issue17Verdicts(metAll);
    assert.equal(rows.length, 12);
    assert.deepEqual(
      rows.filter((row) => row.verdict !== 'met').map((row) => row.target),
      [],
    );
  });

  it('misses exactly the target a number is over, at its bound and not below it', () => {
    assert.deepEqual(missed({ ...metAll, rssMiB: { compiledIdle: 80, compiledAllReady: 150 } }), []);
    assert.deepEqual(missed({ ...metAll, rssMiB: { compiledIdle: 80.1, compiledAllReady: 150 } }), ['RSS idle <= 80 MiB (compiled)']);
    assert.deepEqual(missed({ ...metAll, rssMiB: { compiledIdle: 70, compiledAllReady: 150.1 } }), [
      'RSS with all Ready <= 150 MiB (compiled)',
    ]);
    assert.deepEqual(missed({ ...metAll, idleAfterAuditMiB: 80 }), []);
    assert.deepEqual(missed({ ...metAll, idleAfterAuditMiB: 85.4 }), [
      'RSS idle after its first audit pass <= 80 MiB (compiled, audit on as shipped)',
    ]);
    assert.deepEqual(missed({ ...metAll, resync: { ...metAll.resync, compiledMs: 60_001 } }), ['re-sync <= 60 s (compiled)']);
    assert.deepEqual(missed({ ...metAll, resync: { ...metAll.resync, writesExcludingLeases: 1 } }), [
      're-sync writes besides the Lease = 0',
    ]);
    assert.deepEqual(missed({ ...metAll, ratioFullStack: 1.26 }), ['operator / plain script <= 1.25']);
    assert.deepEqual(missed({ ...metAll, p50Ms: 165_000 }), []);
    assert.deepEqual(missed({ ...metAll, p50Ms: 165_001 }), ['p50 well below the total (p50 / total <= 0.55; 0.5 is the floor)']);
  });

  it('misses the API target on a slow p99, a rate not held, failed requests, or a rate below 1000', () => {
    const api = metAll.api!;
    const target = 'API GET /v1/tenants/{name} p99 <= 20 ms at >= 1000 req/s';
    const fixed = (change: Partial<typeof api.fixedRate>): Issue17Inputs => ({
      ...metAll,
      api: { ...api, fixedRate: { ...api.fixedRate, ...change } },
    });
    assert.deepEqual(missed(fixed({ latencyMs: { p99: 21 } })), [target]);
    assert.deepEqual(missed(fixed({ requestsPerSecond: 900 })), [target]);
    assert.deepEqual(missed(fixed({ non2xx: 3 })), [target]);
    assert.deepEqual(missed(fixed({ errors: 1 })), [target]);
    assert.deepEqual(missed({ ...metAll, api: { ...api, rate: 500, fixedRate: { ...api.fixedRate, requestsPerSecond: 500 } } }), [target]);
  });

  it('misses the periodic audit on a lost lease, a failed pass, or no pass', () => {
    const p = metAll.periodicAudit!;
    const target = 'periodic audit finishes, leader keeps its lease (the operator that onboarded, under tsx)';
    assert.deepEqual(missed({ ...metAll, periodicAudit: { ...p, leaseKept: false } }), [target]);
    assert.deepEqual(missed({ ...metAll, periodicAudit: { ...p, finished: false } }), [target]);
    const none = { finished: false, leaseKept: true, publishedVerifies: false, missing: 'no pass' };
    assert.deepEqual(missed({ ...metAll, periodicAudit: none }), [target, 'periodic audit report published, reassembles and verifies']);
    assert.deepEqual(missed({ ...metAll, periodicAudit: { ...p, publishedVerifies: false } }), [
      'periodic audit report published, reassembles and verifies',
    ]);
  });

  it('misses the installed audit when it dies, is OOM-killed, loses its lease or publishes nothing that verifies', () => {
    const i = metAll.installedAudit!;
    const target =
      'periodic audit as installed (compiled, chart flags, in a 512 MiB memory cgroup) finishes, keeps its lease, report verifies';
    const died = { ...i, finished: false, died: 'exited (SIGKILL) before its pass ended; its last output:\n...' };
    assert.deepEqual(missed({ ...metAll, installedAudit: died }), [target]);
    assert.deepEqual(missed({ ...metAll, installedAudit: { ...i, oomKills: 1 } }), [target]);
    assert.deepEqual(missed({ ...metAll, installedAudit: { ...i, leaseKept: false } }), [target]);
    assert.deepEqual(missed({ ...metAll, installedAudit: { ...i, publishedVerifies: false } }), [target]);
    const row = issue17Verdicts({ ...metAll, installedAudit: died }).find((r) => r.target === target);
    assert.match(row?.measured ?? '', /^did not finish \(exited \(SIGKILL\) before its pass ended; its last output:\); /);
  });

  it('says "not measured" for the installed audit where no memory cgroup can be made, and why', () => {
    const unavailable = {
      limitMiB: 512,
      unavailable: 'no memory cgroup controller under /sys/fs/cgroup',
      finished: false,
      oomKills: 0,
      leaseKept: false,
    };
    const row = issue17Verdicts({ ...metAll, installedAudit: unavailable }).find((r) => r.target.startsWith('periodic audit as installed'));
    assert.deepEqual([row?.verdict, row?.measured], ['not measured', 'no memory cgroup controller under /sys/fs/cgroup']);
  });

  it('says where the report went: one ConfigMap (0 parts) or parts under a manifest', () => {
    const cell = (publishedParts: number): string | undefined =>
      issue17Verdicts({ ...metAll, periodicAudit: { ...metAll.periodicAudit!, publishedParts } }).find((row) =>
        row.target.startsWith('periodic audit report'),
      )?.measured;
    assert.match(cell(0) ?? '', /^in one ConfigMap, 1200000 bytes compressed, verifies$/);
    assert.match(cell(3) ?? '', /^in 3 parts, /);
  });

  it('misses the CLI audit on a non-zero exit', () => {
    assert.deepEqual(missed({ ...metAll, cliAudit: { ...metAll.cliAudit!, exitCode: 1 } }), [
      '`bulkhead audit` (compiled, sampled logins) finishes',
    ]);
  });

  it('says "not measured", not met, for each phase left out', () => {
    const leftOut = { idleAfterAuditMiB: null, ratioFullStack: null, api: null, periodicAudit: null, installedAudit: null, cliAudit: null };
    const rows = issue17Verdicts({ ...metAll, ...leftOut });
    assert.deepEqual(
      rows.filter((r) => r.verdict === 'not measured').map((r) => r.target.split(' (')[0]),
      [
        'RSS idle after its first audit pass <= 80 MiB',
        'operator / plain script <= 1.25',
        'API GET /v1/tenants/{name} p99 <= 20 ms at >= 1000 req/s',
        'periodic audit finishes, leader keeps its lease',
        'periodic audit report published, reassembles and verifies',
        'periodic audit as installed',
        '`bulkhead audit`',
      ],
    );
    assert.equal(rows.filter((r) => r.verdict === 'met').length, 5);
  });

  it('reads memory quantities, and refuses one that is not', () => {
    assert.equal(quantityMiB('512Mi'), 512);
    assert.equal(quantityMiB('1Gi'), 1024);
    assert.equal(quantityMiB('1048576'), 1);
    assert.equal(quantityMiB('2048Ki'), 2);
    assert.throws(() => quantityMiB('lots'), /memory limit "lots" is not a Kubernetes quantity/);
    assert.throws(() => quantityMiB('512MiB'), /512MiB/);
  });

  it("reads the chart's operator memory limit (operator.resources.limits.memory, 512Mi today)", () => {
    assert.equal(chartOperatorMemoryLimitMiB(repoRoot), 512);
  });
});
