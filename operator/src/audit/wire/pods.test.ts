/** The probe pods: restricted, kept out of the app's Services, never adopted, and a script that reports each target. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeSite } from './model.js';
import { defaultProbePodSettings, listenerDeadlineSeconds, listenerPod, neverReadyGate, tryingPod, tryingScript } from './pods.js';

const site: ProbeSite = {
  namespace: 'tenant-acme',
  tenant: { name: 'acme', uid: 'u1' },
  labels: { 'bulkhead.dev/tenant': 'acme', 'app.kubernetes.io/name': 'tenant-app' },
  portNames: { 8080: 'http' },
};

interface PodView {
  metadata: { name: string; labels: Record<string, string>; ownerReferences?: { kind: string; controller: boolean }[] };
  spec: {
    readinessGates?: { conditionType: string }[];
    activeDeadlineSeconds: number;
    automountServiceAccountToken: boolean;
    securityContext: { runAsNonRoot: boolean; seccompProfile: { type: string }; sysctls?: { name: string }[] };
    containers: { command: string[]; securityContext: { allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } } }[];
  };
}

describe('the probe pods', () => {
  it("are restricted-compliant, stop by themselves and carry the app's labels and the run's", () => {
    for (const pod of [
      listenerPod(site, 'r1', [8080]),
      tryingPod(site, 'r1', [{ address: '198.18.128.5', port: 8080 }]),
    ] as unknown as PodView[]) {
      assert.equal(pod.spec.securityContext.runAsNonRoot, true);
      assert.equal(pod.spec.securityContext.seccompProfile.type, 'RuntimeDefault');
      assert.equal(pod.spec.containers[0]?.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(pod.spec.containers[0]?.securityContext.capabilities.drop, ['ALL']);
      assert.equal(pod.spec.automountServiceAccountToken, false);
      assert.ok(pod.spec.activeDeadlineSeconds > 0);
      assert.equal(pod.metadata.labels['app.kubernetes.io/name'], 'tenant-app');
      assert.equal(pod.metadata.labels['bulkhead.dev/audit-probe'], 'r1');
      assert.deepEqual(
        pod.metadata.ownerReferences?.map((owner) => [owner.kind, owner.controller]),
        [['Tenant', true]],
        'no ReplicaSet adopts it',
      );
    }
  });

  it('keeps the listener out of every Service with a readiness gate nobody sets', () => {
    const pod = listenerPod(site, 'r1', [8080]) as unknown as PodView;
    assert.deepEqual(pod.spec.readinessGates, [{ conditionType: neverReadyGate }]);
    assert.match(pod.spec.containers[0]?.command.join(' ') ?? '', /for port in 8080; do httpd -p "\$port"/);
  });

  it("names the listener's ports as the app names them, so a NetworkPolicy's named port selects it alike", () => {
    const pod = listenerPod(site, 'r1', [8080, 9090]) as unknown as { spec: { containers: { ports: object[] }[] } };
    assert.deepEqual(pod.spec.containers[0]?.ports, [
      { containerPort: 8080, protocol: 'TCP', name: 'http' },
      { containerPort: 9090, protocol: 'TCP' },
    ]);
  });

  it('lets a non-root listener bind a port below 1024 only through the safe sysctl, only when needed', () => {
    assert.equal((listenerPod(site, 'r1', [8080]) as unknown as PodView).spec.securityContext.sysctls, undefined);
    assert.deepEqual(
      (listenerPod(site, 'r1', [80, 8080]) as unknown as PodView).spec.securityContext.sysctls?.map((s) => s.name),
      ['net.ipv4.ip_unprivileged_port_start'],
    );
  });

  it('keeps the listeners alive through every round of trying pods, also for a fleet that takes longer than the base deadline', () => {
    // 51 namespaces at 4 trying pods a round: 13 rounds of up to 120 s each, on top of the base 300 s.
    const seconds = listenerDeadlineSeconds(defaultProbePodSettings, Math.ceil(51 / 4), 120);
    assert.equal(seconds, 300 + 13 * 120);
    const pod = listenerPod(site, 'r1', [8080], { ...defaultProbePodSettings, deadlineSeconds: seconds }) as unknown as PodView;
    assert.equal(pod.spec.activeDeadlineSeconds, seconds);
    assert.match(pod.spec.containers[0]?.command[2] ?? '', new RegExp(`exec sleep ${seconds}$`));
  });

  it('lets the trying pod wait before its first attempt, so the enforcer has programmed its rules', () => {
    const pod = tryingPod(site, 'r1', [{ address: '198.18.128.5', port: 8080 }], {
      ...defaultProbePodSettings,
      settleSeconds: 7,
    }) as unknown as PodView;
    assert.match(pod.spec.containers[0]?.command[2] ?? '', /^sleep 7\n/);
  });

  it('has a trying script that reports every target by index, 1 when nc connected', function () {
    const dir = mkdtempSync(join(tmpdir(), 'probe-script-'));
    try {
      // A stand-in nc: "connects" only to port 8080.
      writeFileSync(join(dir, 'nc'), '#!/bin/sh\n[ "$4" = 8080 ]\n');
      chmodSync(join(dir, 'nc'), 0o755);
      const result = join(dir, 'result');
      const run = spawnSync('sh', ['-c', tryingScript(1, 0, result), 'probe', '10.0.0.1:8080', '10.0.0.2:9090', '10.0.0.3:8080'], {
        env: { PATH: `${dir}:/usr/bin:/bin`, TMPDIR: dir },
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(readFileSync(result, 'utf8').trim(), '0=1 1=0 2=1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
