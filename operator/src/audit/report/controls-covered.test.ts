/** The controls covered section: counts per control and check, tenants, not covered, unmapped. */
import assert from 'node:assert/strict';
import { errored, failed, passed, type AuditCheck } from '../model.js';
import { controlsCovered, recountControls } from './controls-covered.js';

const check = (id: string, tenant: string | undefined, result: 'pass' | 'fail' | 'error'): AuditCheck => {
  const fields = { id, category: 'network' as const, ...(tenant ? { tenant } : {}), title: id, message: '', evidence: null };
  if (result === 'pass') return passed(fields);
  return result === 'fail' ? failed({ ...fields, reason: 'Found' }) : errored({ ...fields, reason: 'Unreachable' });
};

const checks = [
  check('network.ingress', 'globex', 'pass'),
  check('network.ingress', 'acme', 'fail'),
  check('network.egress', 'acme', 'pass'),
  check('key.policy', 'initech', 'error'),
  check('inventory.counts', undefined, 'pass'),
  check('network.cross-tenant', 'acme', 'fail'),
];

describe('controls covered', () => {
  const section = controlsCovered(checks);
  const control = (id: string) => section.controls.find((entry) => entry.id === id);

  it('counts each control by the checks that give evidence for it, per check id, with the tenants they named', () => {
    assert.deepEqual(control('8.22'), {
      framework: 'ISO/IEC 27001:2022',
      id: '8.22',
      title: 'Segregation of networks',
      status: 'not-satisfied',
      pass: 2,
      fail: 1,
      error: 0,
      checks: [
        { id: 'network.egress', pass: 1, fail: 0, error: 0 },
        { id: 'network.ingress', pass: 1, fail: 1, error: 0 },
      ],
      tenants: ['acme', 'globex'],
    });
    assert.equal(control('8.24')?.status, 'not-satisfied');
    assert.equal(control('8.24')?.error, 1);
    assert.deepEqual(control('5.9')?.checks, [{ id: 'inventory.counts', pass: 1, fail: 0, error: 0 }]);
    assert.equal(control('5.9')?.status, 'satisfied');
    assert.deepEqual(control('5.9')?.tenants, [], 'a fleet-wide check names no tenant');
  });

  it('lists every control of the catalogue, those without checks as not covered, with why when not claimed', () => {
    assert.equal(section.controls.length, 22);
    assert.equal(control('CC6.3')?.status, 'not-covered');
    assert.equal(control('CC6.3')?.notClaimed, undefined);
    assert.equal(control('8.15')?.status, 'not-covered');
    assert.match(control('8.15')?.notClaimed ?? '', /audit-trail verify/);
  });

  it('lists a check the mapping does not name as unmapped rather than dropping it silently', () => {
    assert.deepEqual(section.unmapped, ['network.cross-tenant']);
  });

  it('recounts to the same section from the pairings it states, and to another when the checks differ', () => {
    assert.deepEqual(recountControls(section, checks), section);
    const fewer = recountControls(section, checks.slice(1));
    assert.deepEqual(fewer.controls.find((entry) => entry.id === '8.22')?.tenants, ['acme']);
  });
});
