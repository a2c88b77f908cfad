/** From the trying pods' termination messages to verdicts, with the controls that keep refusals honest. */
import assert from 'node:assert/strict';
import type { Listener, ProbePlan } from './model.js';
import { applyControls, parseTerminationMessage, rawAttempts, targetsFor } from './outcome.js';

const plan: ProbePlan = {
  runId: 'abc123',
  ports: [8080, 9090],
  sites: [
    { namespace: 'tenant-a', labels: {}, portNames: {} },
    { namespace: 'tenant-b', labels: {}, portNames: {} },
  ],
};
const listeners: Listener[] = [
  { namespace: 'tenant-a', pod: 'l', labels: {}, address: '198.18.128.10' },
  { namespace: 'tenant-b', pod: 'l', labels: {}, address: '198.18.128.11' },
];

describe('probe outcomes', () => {
  it('targets every listener with an address on every port, in order', () => {
    assert.deepEqual(
      targetsFor(plan, listeners).map((t) => `${t.address}:${t.port}`),
      ['198.18.128.10:8080', '198.18.128.10:9090', '198.18.128.11:8080', '198.18.128.11:9090'],
    );
    assert.equal(targetsFor(plan, [listeners[0] as Listener, { namespace: 'tenant-b', pod: 'l', labels: {}, problem: 'x' }]).length, 2);
  });

  it('reads index=result tokens and ignores anything else', () => {
    assert.deepEqual(
      [...parseTerminationMessage(' 0=1 1=0 2=x junk 3=1\n')],
      [
        [0, true],
        [1, false],
        [3, true],
      ],
    );
  });

  it('maps answers to pairs and leaves missing answers unknown', () => {
    const attempts = rawAttempts(plan, listeners, [
      { namespace: 'tenant-a', message: '0=1 1=1 2=0' },
      { namespace: 'tenant-b', problem: 'exited with 1' },
    ]);
    const verdict = (from: string, to: string, port: number) =>
      attempts.find((a) => a.from === from && a.to === to && a.port === port)?.verdict;
    assert.equal(verdict('tenant-a', 'tenant-a', 8080), 'connected');
    assert.equal(verdict('tenant-a', 'tenant-b', 8080), 'refused');
    assert.equal(verdict('tenant-a', 'tenant-b', 9090), 'unknown', 'no token for index 3');
    assert.equal(verdict('tenant-b', 'tenant-a', 8080), 'unknown', 'the trying pod gave nothing');
    assert.match(attempts.find((a) => a.from === 'tenant-b')?.why ?? '', /exited with 1/);
  });

  it('makes a listener that never came up unknown, never refused', () => {
    const down: Listener[] = [listeners[0] as Listener, { namespace: 'tenant-b', pod: 'l', labels: {}, problem: 'not ready within 120 s' }];
    const attempts = rawAttempts(plan, down, [{ namespace: 'tenant-a', message: '0=1 1=1' }]);
    assert.ok(attempts.filter((a) => a.to === 'tenant-b').every((a) => a.verdict === 'unknown'));
  });

  it('turns refusals from and to a namespace whose own pair failed into unknowns, but keeps connections', () => {
    const attempts = applyControls([
      { from: 'tenant-a', to: 'tenant-a', port: 8080, verdict: 'refused' },
      { from: 'tenant-a', to: 'tenant-b', port: 8080, verdict: 'refused' },
      { from: 'tenant-b', to: 'tenant-a', port: 8080, verdict: 'connected' },
      { from: 'tenant-b', to: 'tenant-b', port: 8080, verdict: 'connected' },
      { from: 'tenant-b', to: 'tenant-a', port: 9090, verdict: 'refused' },
    ]);
    assert.deepEqual(
      attempts.map((a) => a.verdict),
      ['unknown', 'unknown', 'connected', 'connected', 'refused'],
    );
    assert.match(attempts[1]?.why ?? '', /control failed.*tenant-a/);
  });
});
