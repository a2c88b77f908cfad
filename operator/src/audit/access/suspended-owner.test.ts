import assert from 'node:assert/strict';
import { admissionProbes } from './admission-probes.js';
import { reviewProbes } from './review-probes.js';
import { admissionProbesFor, suspendedPodProbe } from './suspended-owner.js';

const active = { namespace: 'tenant-acme', otherNamespace: 'tenant-globex' };
const suspended = { ...active, suspended: true };

describe("the live access checks of a suspended tenant's owners", () => {
  it('expect every write in their own namespace denied, and reading still allowed', () => {
    const expectations = Object.fromEntries(reviewProbes(suspended).map((p) => [p.question, p.expectAllowed]));
    assert.equal(expectations['create pods in tenant-acme'], false);
    assert.equal(expectations['patch deployments in tenant-acme'], false);
    assert.equal(expectations['create pods/exec in tenant-acme'], false);
    assert.equal(expectations['get secrets in tenant-acme'], true, 'the control that the review asks about the right identity');
    assert.equal(reviewProbes(suspended).find((p) => p.question === 'create pods in tenant-acme')?.finding, 'SuspendedOwnerCanWrite');
  });

  it('keep every expectation beyond their own namespace', () => {
    const beyond = (target: typeof active) =>
      reviewProbes(target)
        .filter((p) => !p.id.startsWith('own-') && !p.id.startsWith('suspended-'))
        .map((p) => `${p.id} ${String(p.expectAllowed)}`);
    assert.deepEqual(beyond(suspended), beyond(active));
  });

  it('try a pod that RBAC must refuse instead of the compliant pod, and leave out the Pod Security probes', () => {
    const probes = admissionProbesFor(suspended);
    assert.equal(probes[0], suspendedPodProbe);
    assert.deepEqual(suspendedPodProbe.expect, [/cannot create resource "pods"/]);
    assert.ok(
      probes.every(
        (p) =>
          p.id === suspendedPodProbe.id ||
          p.build(suspended)?.object.kind !== 'Pod' ||
          p.build(suspended)?.object.metadata.namespace !== 'tenant-acme',
      ),
    );
    assert.equal(admissionProbesFor(active), admissionProbes);
  });
});
