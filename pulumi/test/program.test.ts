/**
 * The program on Pulumi's mocks: what it would ask a cluster for, and the security-relevant fields
 * of each resource (Pod Security labels, secret handling, the namespace everything lands in, the
 * provider everything goes through).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { crdNamesOnDisk, runProgram, secretKeys, stackConfig, testConfig, type ProgramRun, type Registration } from './harness.js';

const namespaceType = 'kubernetes:core/v1:Namespace';
const crdType = 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition';
const secretType = 'kubernetes:core/v1:Secret';
const releaseType = 'kubernetes:helm.sh/v3:Release';
const providerType = 'pulumi:providers:kubernetes';
const clusterScoped = new Set([namespaceType, crdType]);

function ofType(run: ProgramRun, type: string): Registration[] {
  return run.resources.filter((resource) => resource.type === type);
}

function only(run: ProgramRun, type: string): Registration {
  const found = ofType(run, type);
  assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
  return found[0] as Registration;
}

/** Every string reachable in a value outside Pulumi secrets (what state and previews show in clear). */
function plainStrings(value: unknown, found: string[] = []): string[] {
  if (pulumi.runtime.isRpcSecret(value)) return found;
  if (typeof value === 'string') found.push(value);
  else if (Array.isArray(value)) value.forEach((item) => plainStrings(item, found));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((item) => plainStrings(item, found));
  return found;
}

function namespaceOf(resource: Registration): unknown {
  const inputs = resource.inputs as { namespace?: unknown; metadata?: { namespace?: unknown } };
  return resource.type === releaseType ? inputs.namespace : inputs.metadata?.namespace;
}

describe('the Pulumi program (on mocks)', function () {
  this.timeout(60_000);
  let run: ProgramRun;
  before(async () => {
    run = await runProgram();
  });

  it('holds its namespace to Pod Security restricted for enforce, audit and warn, pinned to the configured version', () => {
    const namespace = only(run, namespaceType);
    const metadata = namespace.inputs['metadata'] as { name: string; labels: Record<string, string> };
    assert.equal(metadata.name, stackConfig.namespace);
    for (const mode of ['enforce', 'audit', 'warn']) {
      assert.equal(metadata.labels[`pod-security.kubernetes.io/${mode}`], 'restricted', mode);
      assert.equal(metadata.labels[`pod-security.kubernetes.io/${mode}-version`], 'v1.35', `${mode}-version`);
    }
  });

  it('registers every CRD in crds/, one per file, and keeps them when the stack is destroyed', () => {
    const crds = ofType(run, crdType);
    const expected = crdNamesOnDisk();
    assert.ok(expected.length >= 3, 'crds/ holds the Tenant, TenantPlan and Rollout definitions');
    assert.deepEqual(crds.map((crd) => (crd.inputs['metadata'] as { name: string }).name).sort(), expected);
    assert.deepEqual(run.outputs['crdNames'], expected);
    for (const crd of crds) assert.equal(crd.retainOnDelete, true, `${crd.name} is retained on delete`);
  });

  it("creates one Secret per region with the admin login and one with the API's audit trail URL, as Pulumi secrets", () => {
    const secrets = ofType(run, secretType);
    assert.deepEqual(secrets.map((secret) => (secret.inputs['metadata'] as { name: string }).name).sort(), [
      'bulkhead-region-eu-central-1',
      'bulkhead-region-us-east-1',
      'trail',
    ]);
    for (const secret of secrets) {
      assert.ok(pulumi.runtime.isRpcSecret(secret.inputs['stringData']), `${secret.name}: stringData reaches the engine as a secret`);
      assert.ok(
        secret.additionalSecretOutputs.includes('stringData') && secret.additionalSecretOutputs.includes('data'),
        `${secret.name}: data and stringData stay secret in state`,
      );
    }
    const data = (name: string): Record<string, string> =>
      pulumi.runtime.unwrapRpcSecret(ofType(run, secretType).find((secret) => secret.name === name)?.inputs['stringData']) as Record<
        string,
        string
      >;
    assert.deepEqual(data('region-eu-central-1'), { username: 'postgres', password: stackConfig.euPassword });
    assert.deepEqual(data('region-us-east-1'), {
      username: 'admin',
      password: stackConfig.usPassword,
      accessKeyId: 'AKIATEST',
      secretAccessKey: stackConfig.usKmsSecret,
    });
    assert.deepEqual(data('api-audit-trail'), { dsn: testConfig()['bulkhead:apiAuditTrailUrl'] });
  });

  it('never puts a password or KMS secret key in a plain-text field of any resource or output', () => {
    const secrets = [stackConfig.euPassword, stackConfig.usPassword, stackConfig.usKmsSecret, stackConfig.auditTrailPassword];
    // The scan must be able to see them: unwrapped, the region Secrets do hold them.
    const unwrapped = plainStrings(
      ofType(run, secretType).map((secret) => pulumi.runtime.unwrapRpcSecret(secret.inputs['stringData']) as unknown),
    );
    for (const secret of secrets)
      assert.ok(
        unwrapped.some((text) => text.includes(secret)),
        'the scan can see it in the unwrapped Secret data',
      );
    const clear = plainStrings([run.resources.map((resource) => resource.inputs), run.outputs]);
    for (const secret of secrets) assert.ok(!clear.some((text) => text.includes(secret)), 'a secret appears in plain text');
  });

  it('installs the local operator chart into the namespace with the values from stack config', () => {
    const release = only(run, releaseType);
    const inputs = release.inputs as {
      name: string;
      chart: string;
      namespace: string;
      createNamespace: boolean;
      skipCrds: boolean;
      values: unknown;
    };
    assert.equal(inputs.name, 'bulkhead-test');
    assert.equal(inputs.namespace, stackConfig.namespace);
    assert.match(readFileSync(join(inputs.chart, 'Chart.yaml'), 'utf8'), /^name: bulkhead$/m);
    assert.ok(existsSync(join(inputs.chart, 'values.yaml')));
    assert.equal(inputs.skipCrds, true, 'the CRDs come from crds/, not the chart');
    assert.equal(inputs.createNamespace, false);
    const values = inputs.values as {
      image: unknown;
      api: unknown;
      operator: { replicas: number; config: { workers: number; regions: unknown } };
    };
    assert.deepEqual(values.image, { tag: '9.9.9' });
    assert.deepEqual(values.api, { replicas: 1, auditTrail: { urlSecret: { name: 'trail', key: 'dsn' } } });
    assert.equal(values.operator.replicas, 3);
    assert.equal(values.operator.config.workers, 8);
    assert.equal(run.outputs['releaseName'], 'bulkhead-test');
    assert.equal(run.outputs['namespace'], stackConfig.namespace);
  });

  it("gives the operator each region's database, KMS settings and Secret references", () => {
    const values = only(run, releaseType).inputs['values'] as { operator: { config: { regions: unknown } } };
    const secretRef = (region: string): unknown => ({ namespace: stackConfig.namespace, name: `bulkhead-region-${region}` });
    assert.deepEqual(values.operator.config.regions, {
      'eu-central-1': {
        database: { host: '10.0.0.5', port: 5433, adminSecret: secretRef('eu-central-1') },
        kms: { accountId: '111122223333' },
      },
      'us-east-1': {
        database: { host: 'pg.us.example', port: 5432, adminSecret: secretRef('us-east-1') },
        kms: { accountId: '444455556666', endpoint: 'http://127.0.0.1:4599', credentialsSecret: secretRef('us-east-1') },
      },
    });
  });

  it('installs the chart only after the namespace, every CRD and every Secret it reads', () => {
    const release = only(run, releaseType);
    const prerequisites = run.resources.filter((resource) => [namespaceType, crdType, secretType].includes(resource.type));
    assert.equal(prerequisites.length, 1 + crdNamesOnDisk().length + 3);
    for (const prerequisite of prerequisites)
      assert.ok(release.dependencies.includes(prerequisite.urn), `the release depends on ${prerequisite.urn}`);
  });

  it('puts every namespaced resource in the configured namespace', () => {
    const namespaced = run.resources.filter(
      (resource) => resource.custom && resource.type.startsWith('kubernetes:') && !clusterScoped.has(resource.type),
    );
    assert.deepEqual(namespaced.map((resource) => resource.type).sort(), [secretType, secretType, secretType, releaseType]);
    for (const resource of namespaced) assert.equal(namespaceOf(resource), stackConfig.namespace, resource.urn);
  });

  it("reaches the cluster only through the provider built from the stack's kubeconfig", () => {
    const provider = only(run, providerType);
    assert.equal(provider.inputs['kubeconfig'], stackConfig.kubeconfig);
    assert.equal(provider.inputs['namespace'], stackConfig.namespace);
    const kubernetesResources = run.resources.filter((resource) => resource.custom && resource.type.startsWith('kubernetes:'));
    assert.ok(kubernetesResources.length > 0);
    for (const resource of kubernetesResources)
      assert.ok(resource.provider.startsWith(`${provider.urn}::`), `${resource.urn} uses ${resource.provider}`);
    assert.ok(run.invokes.length > 0);
    for (const invoke of run.invokes)
      assert.ok(invoke.provider?.startsWith(`${provider.urn}::`), `${invoke.token} goes through the explicit provider`);
  });

  it('refuses invalid stack config before declaring a single resource', async () => {
    const before = run.resources.length;
    pulumi.runtime.setAllConfig(
      {
        ...testConfig(),
        'bulkhead:regions': JSON.stringify({
          'eu-central-1': { database: { host: 'h', username: 'u' }, kms: { accountId: '111122223333' } },
        }),
      },
      secretKeys,
    );
    try {
      // A second instance of the program module (the query string makes it a new one).
      const entry = new URL('../src/index.ts?invalid-config', import.meta.url).href;
      await assert.rejects(import(entry), /bulkhead:regions\.eu-central-1\.database\.password/);
    } finally {
      pulumi.runtime.setAllConfig(testConfig(), secretKeys);
    }
    assert.equal((await runProgram()).resources.length, before);
  });
});
