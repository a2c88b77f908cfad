import assert from 'node:assert/strict';
import { leaseKept, passStartedAt, passStartedSince } from './periodic-audit.js';

const at = (iso: string): number => Date.parse(iso);

describe("the bench's reading of the periodic audit's log", () => {
  const logs = [
    { message: 'Acquired leader lease', timestamp: '2026-12-07T10:00:00.000Z' },
    { message: 'Audit step finished', timestamp: '2026-12-07T10:01:10.000Z', phase: 'parts' },
    // Started 10:01:00, before the last Ready at 10:01:30.
    { message: 'Audited tenant isolation', timestamp: '2026-12-07T10:02:00.000Z', seconds: 60, tenants: 20 },
    // Started 10:04:00 and failed.
    { message: 'Isolation audit failed; IsolationVerified becomes Unknown', timestamp: '2026-12-07T10:04:30.000Z', seconds: 30 },
    // Started 10:06:00.
    { message: 'Audited tenant isolation', timestamp: '2026-12-07T10:07:00.500Z', seconds: 60.5, tenants: 20 },
  ];

  it('dates a pass from its last line less the seconds it took', () => {
    assert.equal(passStartedAt(logs[2]!), at('2026-12-07T10:01:00.000Z'));
    assert.ok(Number.isNaN(passStartedAt({ message: 'Audited tenant isolation' })));
  });

  it('takes the first pass that started after the last Ready, not one that was running then, failed or not', () => {
    assert.equal(passStartedSince(logs, at('2026-12-07T10:01:30.000Z')), logs[3]);
    assert.equal(passStartedSince(logs, at('2026-12-07T10:04:00.001Z')), logs[4]);
    assert.equal(passStartedSince(logs, at('2026-12-07T10:01:00.000Z')), logs[2]);
    assert.equal(passStartedSince(logs, at('2026-12-07T10:06:00.001Z')), undefined);
  });

  it('counts the lease lost on a logged loss or a second acquisition', () => {
    assert.equal(leaseKept(logs), true);
    assert.equal(leaseKept([...logs, { message: 'Leader lease lost' }]), false);
    assert.equal(leaseKept([...logs, { message: 'Lost the leader lease; exiting so a fresh process can campaign again' }]), false);
    assert.equal(leaseKept([...logs, { message: 'Acquired leader lease' }]), false);
  });
});
