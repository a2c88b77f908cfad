/** How a tenant's chart values are assembled from the chart, its plan, itself and the operator. */
import assert from 'node:assert/strict';
import { deepMerge, mergeValues, operatorValues } from './values.js';

const acme = { metadata: { name: 'acme' } };
const chartDefaults = {
  tenant: { name: '', databaseSecretName: '', encryptionConfigMapName: '' },
  replicaCount: 2,
  image: { repository: 'registry.example.com/product/app', tag: '', pullPolicy: 'IfNotPresent' },
  logLevel: 'info',
  featureFlags: {},
};

describe('release values', () => {
  it('names the tenant, its database Secret and its encryption ConfigMap', () => {
    assert.deepEqual(operatorValues(acme), {
      tenant: { name: 'acme', databaseSecretName: 'acme-database', encryptionConfigMapName: 'acme-encryption-key' },
    });
  });

  it('layers chart defaults, then plan values, then allowed tenant values, then the operator', () => {
    const { values, refused } = mergeValues({
      chartDefaults,
      planValues: { replicaCount: 3, logLevel: 'warn', featureFlags: { search: true } },
      tenantValues: { logLevel: 'debug', featureFlags: { reports: true } },
      allowedKeys: ['logLevel', 'featureFlags'],
      operatorValues: operatorValues(acme),
    });
    assert.deepEqual(refused, []);
    assert.deepEqual(values, {
      tenant: { name: 'acme', databaseSecretName: 'acme-database', encryptionConfigMapName: 'acme-encryption-key' },
      replicaCount: 3,
      image: { repository: 'registry.example.com/product/app', tag: '', pullPolicy: 'IfNotPresent' },
      logLevel: 'debug',
      featureFlags: { search: true, reports: true },
    });
  });

  it('refuses and reports a key the plan does not allow, without applying it', () => {
    const { values, refused } = mergeValues({
      planValues: { replicaCount: 3 },
      tenantValues: { replicaCount: 20, logLevel: 'debug', image: { repository: 'evil.example.com/miner' } },
      allowedKeys: ['logLevel'],
      operatorValues: operatorValues(acme),
    });
    assert.deepEqual(refused, ['image', 'replicaCount']);
    assert.equal(values.replicaCount, 3);
    assert.equal(values.logLevel, 'debug');
    assert.equal(values.image, undefined);
  });

  it('refuses every tenant key when the plan allows none', () => {
    const { values, refused } = mergeValues({ tenantValues: { logLevel: 'debug' }, operatorValues: {} });
    assert.deepEqual(refused, ['logLevel']);
    assert.deepEqual(values, {});
  });

  it("never lets a tenant override the operator's values, even when its plan allows the key", () => {
    const { values, refused } = mergeValues({
      tenantValues: { tenant: { name: 'globex', databaseSecretName: 'globex-database' } },
      allowedKeys: ['tenant'],
      operatorValues: operatorValues(acme),
    });
    assert.deepEqual(refused, ['tenant']);
    assert.deepEqual(values.tenant, operatorValues(acme).tenant);
  });

  it("puts the operator's values above the plan's", () => {
    const { values } = mergeValues({
      planValues: { tenant: { databaseSecretName: 'shared-database' } },
      operatorValues: operatorValues(acme),
    });
    assert.equal((values.tenant as Record<string, unknown>).databaseSecretName, 'acme-database');
  });

  it('replaces arrays instead of merging them, as helm does', () => {
    assert.deepEqual(deepMerge({ hosts: ['a', 'b'], limits: { cpu: 1 } }, { hosts: ['c'], limits: { memory: 2 } }), {
      hosts: ['c'],
      limits: { cpu: 1, memory: 2 },
    });
  });

  it('lets a scalar or null replace an object', () => {
    assert.deepEqual(deepMerge({ a: { b: 1 }, c: { d: 1 } }, { a: 'flat', c: null }), { a: 'flat', c: null });
  });

  it('changes neither its inputs nor shares objects with them', () => {
    const planValues = { featureFlags: { search: true } };
    const tenantValues = { featureFlags: { reports: true } };
    const { values } = mergeValues({ planValues, tenantValues, allowedKeys: ['featureFlags'], operatorValues: {} });
    (values.featureFlags as Record<string, boolean>).injected = true;
    assert.deepEqual(planValues, { featureFlags: { search: true } });
    assert.deepEqual(tenantValues, { featureFlags: { reports: true } });
  });

  it('keeps a "__proto__" key as data rather than as a prototype', () => {
    const tenantValues = JSON.parse('{"featureFlags": {"__proto__": {"polluted": true}}}') as Record<string, unknown>;
    const { values } = mergeValues({ planValues: { featureFlags: {} }, tenantValues, allowedKeys: ['featureFlags'], operatorValues: {} });
    const flags = values.featureFlags as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(flags), Object.prototype);
    assert.equal(JSON.stringify(flags), '{"__proto__":{"polluted":true}}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
