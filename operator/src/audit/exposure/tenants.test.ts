import assert from 'node:assert/strict';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { Tenant } from '../../api/tenant.js';
import { exposureTenants } from './tenants.js';

const tenant = (name: string, created: string, domains: string[], plan = 'standard') =>
  ({
    metadata: { name, uid: `u-${name}`, creationTimestamp: created },
    spec: { plan, region: 'eu-central-1', network: { domains } },
  }) as unknown as Tenant;
const plan = (name: string, allowExternalNameServices: boolean) =>
  ({ metadata: { name }, spec: { network: { allowExternalNameServices } } }) as unknown as TenantPlan;

describe('tenants as the platform grants them', () => {
  it('get their derived domain, their declared ones, and not one another tenant declared first', () => {
    const [first, second] = exposureTenants(
      [
        tenant('acme', '2026-01-01T00:00:00Z', ['acme.example']),
        tenant('globex', '2026-02-01T00:00:00Z', ['shop.acme.example', 'globex.example'], 'open'),
      ],
      [plan('standard', false), plan('open', true)],
      'tenants.test',
    );
    assert.deepEqual(first, {
      name: 'acme',
      uid: 'u-acme',
      namespace: 'tenant-acme',
      domains: ['acme.tenants.test', 'acme.example'],
      allowExternalNames: false,
    });
    assert.deepEqual(second?.domains, ['globex.tenants.test', 'globex.example']);
    assert.equal(second?.allowExternalNames, true);
  });

  it('allow no ExternalName when their plan does not exist', () => {
    assert.equal(
      exposureTenants([tenant('acme', '2026-01-01T00:00:00Z', [], 'gone')], [plan('gone-not', true)], undefined)[0]?.allowExternalNames,
      false,
    );
  });
});
