/**
 * Stack config validation: each bad setting fails with the config key and the rule; good config
 * gets its defaults. Pure: no resources, no mocks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { loadStackConfig, type StackConfig } from '../src/config.js';
import { projectDir } from '../src/paths.js';
import { chartValues } from '../src/values.js';

const region = { database: { host: '10.0.0.5', username: 'postgres', password: 'pw' }, kms: { accountId: '111122223333' } };

function load(settings: Record<string, unknown>): StackConfig {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings))
    config[`bulkhead:${key}`] = typeof value === 'string' ? value : JSON.stringify(value);
  pulumi.runtime.setAllConfig(config, ['bulkhead:regions', 'bulkhead:apiAuditTrailUrl']);
  return loadStackConfig(new pulumi.Config('bulkhead'));
}

const trailUrl = 'postgres://trail:pw@10.0.0.9:5432/audit';
const valid = { kubeconfig: '../.bulkhead/kubeconfig', regions: { 'eu-central-1': region }, apiAuditTrailUrl: trailUrl };

describe('stack config', () => {
  it('applies the defaults and resolves the kubeconfig against pulumi/', () => {
    const config = load(valid);
    assert.equal(config.namespace, 'bulkhead-system');
    assert.equal(config.releaseName, 'bulkhead');
    assert.equal(config.podSecurityVersion, 'v1.36');
    assert.equal(config.regions['eu-central-1']?.database.port, 5432);
    assert.equal(config.kubeconfig, join(projectDir, '../.bulkhead/kubeconfig'));
  });

  it('accepts the example stack Pulumi.local.yaml once its secrets are set', () => {
    const example = parse(readFileSync(join(projectDir, 'Pulumi.local.yaml'), 'utf8')) as { config: Record<string, unknown> };
    const settings = Object.fromEntries(
      Object.entries(example.config)
        .filter(([key]) => key.startsWith('bulkhead:'))
        .map(([key, value]) => [key.slice('bulkhead:'.length), value]),
    );
    const regions = settings['regions'] as Record<string, { database: Record<string, unknown>; kms: Record<string, unknown> }>;
    for (const region of Object.values(regions)) {
      region.database['password'] = 'pw';
      region.kms['secretAccessKey'] = 'sk';
    }
    const config = load({ ...settings, apiAuditTrailUrl: trailUrl });
    assert.deepEqual(Object.keys(config.regions), ['eu-central-1']);
    assert.deepEqual(example.config['pulumi:disable-default-providers'], ['kubernetes'], 'no fallback to the default kubeconfig');
    assert.doesNotThrow(() => chartValues(config));
  });

  it('refuses a region without its admin password, naming the key and how to set it secretly', () => {
    const { password: _password, ...database } = region.database;
    assert.throws(
      () => load({ ...valid, regions: { 'eu-central-1': { ...region, database } } }),
      /bulkhead:regions\.eu-central-1\.database\.password: is required \(set it with `pulumi config set --secret --path 'regions\.eu-central-1\.database\.password'/,
    );
  });

  it('refuses a bad region name, naming it', () => {
    assert.throws(
      () => load({ ...valid, regions: { Europe_1: region } }),
      /bulkhead:regions\.Europe_1: must be a region name like eu-central-1/,
    );
  });

  it('requires an explicit kubeconfig', () => {
    assert.throws(() => load({ regions: valid.regions }), /bulkhead:kubeconfig: is required/);
  });

  it('refuses a KMS account id that is not 12 digits and half a pair of KMS credentials', () => {
    assert.throws(
      () => load({ ...valid, regions: { 'eu-central-1': { ...region, kms: { accountId: '1234' } } } }),
      /bulkhead:regions\.eu-central-1\.kms\.accountId: must be a 12-digit AWS account id/,
    );
    assert.throws(
      () => load({ ...valid, regions: { 'eu-central-1': { ...region, kms: { accountId: '111122223333', accessKeyId: 'AKIA' } } } }),
      /bulkhead:regions\.eu-central-1\.kms\.secretAccessKey: accessKeyId and secretAccessKey must be set together/,
    );
  });

  it('reads all-digit passwords and account ids as the text they were typed as (pulumi config set --path stores numbers)', () => {
    const config = load({
      ...valid,
      regions: { 'eu-central-1': { database: { host: 'h', username: 'postgres', password: 123456 }, kms: { accountId: 111122223333 } } },
    });
    assert.equal(config.regions['eu-central-1']?.database.password, '123456');
    assert.equal(config.regions['eu-central-1']?.kms.accountId, '111122223333');
  });

  it('refuses unknown region fields, a bad namespace and non-object JSON', () => {
    assert.throws(
      () => load({ ...valid, regions: { 'eu-central-1': { ...region, databse: {} } } }),
      /bulkhead:regions\.eu-central-1: Unrecognized key: "databse"/,
    );
    assert.throws(() => load({ ...valid, namespace: 'Bulkhead' }), /bulkhead:namespace: must be a DNS-1123 label/);
    assert.throws(() => load({ ...valid, chartValues: 'not json' }), /bulkhead:chartValues: must be an object/);
  });

  it("requires the API's audit trail URL unless the API or its trail is disabled, and never echoes it", () => {
    const { apiAuditTrailUrl: _url, ...withoutUrl } = valid;
    assert.throws(
      () => load(withoutUrl),
      /bulkhead:apiAuditTrailUrl: is required while the onboarding API runs with its audit trail .*pulumi config set --secret --path 'apiAuditTrailUrl'/,
    );
    assert.equal(load({ ...withoutUrl, chartValues: { api: { enabled: false } } }).apiAuditTrailUrl, undefined);
    assert.equal(load({ ...withoutUrl, chartValues: { api: { auditTrail: { disabled: true } } } }).apiAuditTrailUrl, undefined);
    assert.throws(
      () => load({ ...valid, apiAuditTrailUrl: 'mysql://root:hunter2@db/audit' }),
      (error: Error) => /bulkhead:apiAuditTrailUrl: must be a postgres:\/\/ URL/.test(error.message) && !error.message.includes('hunter2'),
    );
  });

  it("keeps the operator's regions out of chartValues, so Secrets and operator config cannot disagree", () => {
    assert.throws(
      () => load({ ...valid, chartValues: { operator: { config: { regions: {} } } } }),
      /bulkhead:chartValues\.operator\.config\.regions: is generated from bulkhead:regions/,
    );
  });

  it("checks the operator config in chartValues against the operator's own schema", () => {
    assert.throws(
      () => chartValues(load({ ...valid, chartValues: { operator: { config: { wokers: 4 } } } })),
      /bulkhead:chartValues\.operator\.config: Unrecognized key: "wokers"/,
    );
    assert.throws(
      () => chartValues(load({ ...valid, chartValues: { operator: { config: { workers: 0 } } } })),
      /bulkhead:chartValues\.operator\.config\.workers: /,
    );
    assert.equal(
      (
        chartValues(load({ ...valid, chartValues: { operator: { config: { workers: 2 } } } })) as {
          operator: { config: { workers: number } };
        }
      ).operator.config.workers,
      2,
    );
  });
});
