import assert from 'node:assert/strict';
import type { Tenant } from '../api/tenant.js';
import { auditFailedCondition, isolationCondition } from './isolation-condition.js';
import { errored, failed, passed, type AuditCheck } from './model.js';

const tenant = { metadata: { name: 'acme', generation: 4 } } as Tenant;
const about = (name: string) => ({
  id: 'network.ingress',
  category: 'network' as const,
  tenant: name,
  title: 't',
  message: 'm',
  evidence: null,
});

describe('IsolationVerified', function () {
  it("is True at the tenant's generation when every check about it passed", function () {
    const checks: AuditCheck[] = [
      passed(about('acme')),
      passed(about('acme')),
      failed({ ...about('globex'), reason: 'UndeclaredIngress' }),
    ];
    assert.deepEqual(isolationCondition(tenant, checks), {
      type: 'IsolationVerified',
      status: 'True',
      reason: 'Verified',
      message: 'All 2 isolation checks passed.',
      observedGeneration: 4,
    });
  });

  it('is False with IsolationViolated naming the finding when one check failed', function () {
    const checks = [passed(about('acme')), failed({ ...about('acme'), reason: 'UndeclaredIngress', message: 'from tenant-globex' })];
    const condition = isolationCondition(tenant, checks);
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'IsolationViolated');
    assert.equal(condition.message, '1 of 2 checks found a problem: network.ingress UndeclaredIngress: from tenant-globex');
  });

  it('is Unknown, never True, when a check could not be carried out', function () {
    const condition = isolationCondition(tenant, [passed(about('acme')), errored({ ...about('acme'), reason: 'DatabaseUnreachable' })]);
    assert.equal(condition.status, 'Unknown');
    assert.equal(condition.reason, 'AuditIncomplete');
  });

  it('is Unknown, never True, when a fleet-wide check could not be carried out', function () {
    const fleetWide = errored({
      id: 'inventory.counts',
      category: 'inventory' as const,
      title: 't',
      reason: 'SourceUnavailable',
      message: 'databases unreadable',
      evidence: null,
    });
    const condition = isolationCondition(tenant, [passed(about('acme')), fleetWide]);
    assert.equal(condition.status, 'Unknown');
    assert.match(condition.message, /inventory\.counts SourceUnavailable: databases unreadable/);
  });

  it("rests on no check about a deleted tenant: not a former namesake's finding, not the offboarding part failing", function () {
    const namesake = failed({
      id: 'key.offboarding-shredded',
      category: 'key' as const,
      tenant: 'acme',
      title: 't',
      reason: 'KeyNotPendingDeletion',
      message: "the former acme's key is enabled",
      evidence: null,
    });
    const storeDown = errored({
      id: 'key.offboarding-failed',
      category: 'key' as const,
      title: 't',
      reason: 'AuditPartFailed',
      message: 'the object store is unreachable',
      evidence: null,
    });
    assert.equal(isolationCondition(tenant, [passed(about('acme')), namesake, storeDown]).status, 'True');
    assert.equal(isolationCondition(tenant, [namesake]).reason, 'AuditIncomplete', 'and they alone are no check about it');
  });

  it('is still False when the tenant has a finding and a fleet-wide check errored', function () {
    const fleetWide = errored({
      id: 'inventory.counts',
      category: 'inventory' as const,
      title: 't',
      reason: 'SourceUnavailable',
      message: 'm',
      evidence: null,
    });
    assert.equal(isolationCondition(tenant, [failed({ ...about('acme'), reason: 'UndeclaredIngress' }), fleetWide]).status, 'False');
  });

  it('is Unknown with AuditFailed and the error after a run that failed as a whole', function () {
    assert.deepEqual(auditFailedCondition(tenant, 'cannot list Tenants: connection refused'), {
      type: 'IsolationVerified',
      status: 'Unknown',
      reason: 'AuditFailed',
      message: 'The isolation audit could not run: cannot list Tenants: connection refused',
      observedGeneration: 4,
    });
  });

  it('is Unknown when no check was about the tenant at all', function () {
    assert.equal(isolationCondition(tenant, [passed(about('globex'))]).status, 'Unknown');
  });

  it('names at most three findings but counts them all', function () {
    const checks = Array.from({ length: 5 }, (_, i) => failed({ ...about('acme'), reason: `R${i}` }));
    assert.match(isolationCondition(tenant, checks).message, /^5 of 5 checks .*R2: m \(and 2 more\)$/);
  });
});
