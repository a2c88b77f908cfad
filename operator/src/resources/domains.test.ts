/** Which host names a tenant may serve, and who keeps a domain two tenants declare. */
import assert from 'node:assert/strict';
import { domainsOverlap, hostWithin, tenantDomains } from './domains.js';

const older = { name: 'acme', creationTimestamp: '2026-01-01T00:00:00Z', domains: ['acme.com'] };

describe('tenant domains', () => {
  it('gives every tenant <name>.<baseDomain> and its declared domains', () => {
    assert.deepEqual(tenantDomains({ name: 'globex', domains: ['globex.com'] }, [], 'tenants.example.com'), {
      granted: ['globex.tenants.example.com', 'globex.com'],
      withheld: [],
    });
  });

  it('withholds from the later tenant a domain the earlier one declared, or one inside or around it', () => {
    const later = { name: 'initech', creationTimestamp: '2026-02-01T00:00:00Z', domains: ['shop.acme.com', 'initech.com'] };
    assert.deepEqual(tenantDomains(later, [older]), { granted: ['initech.com'], withheld: [{ domain: 'shop.acme.com', heldBy: 'acme' }] });
    assert.deepEqual(tenantDomains(older, [later]), { granted: ['acme.com'], withheld: [] }, 'the earlier tenant keeps it');
  });

  it('breaks a tie of creation times by name, the same way from both sides', () => {
    const twin = { ...older, name: 'zeta' };
    assert.deepEqual(tenantDomains(twin, [older]).withheld, [{ domain: 'acme.com', heldBy: 'acme' }]);
    assert.deepEqual(tenantDomains(older, [twin]).withheld, []);
  });

  it('tells overlapping domains and hosts within them from look-alikes', () => {
    assert.ok(domainsOverlap('acme.com', 'shop.acme.com'));
    assert.ok(!domainsOverlap('acme.com', 'notacme.com'));
    assert.ok(hostWithin('*.shop.acme.com', ['acme.com']));
    assert.ok(hostWithin('ACME.com.', ['acme.com']));
    assert.ok(!hostWithin('evilacme.com', ['acme.com']));
  });
});
