/**
 * kube-apiserver refuses bad Tenants and TenantPlans at admission, with a message that names the
 * field: every file in crds/examples/invalid carries the text it expects in its first line.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { apiError, applyObjects, installCrds, kubeConfig, manifestsIn, repoRoot } from './support/cluster.js';
import { applyExamplePlans, customObjects, group, tenantManifest, version } from './support/tenants.js';

const invalidDir = join(repoRoot, 'crds/examples/invalid');

describe('admission of Tenants and TenantPlans', function () {
  let kc: k8s.KubeConfig;

  before(async function () {
    kc = kubeConfig();
    await installCrds();
    await applyExamplePlans(kc);
  });

  it('accepts every valid example', async function () {
    for (const dir of ['plans', 'tenants', 'rollouts']) {
      for (const { objects } of manifestsIn(join(repoRoot, 'crds/examples', dir))) {
        const api = k8s.KubernetesObjectApi.makeApiClient(kc);
        for (const object of objects) await api.patch(object, undefined, 'All', 'kubectl', true, k8s.PatchStrategy.ServerSideApply);
      }
    }
  });

  for (const { file } of manifestsIn(invalidDir)) {
    const expected = /^# expect: (.+)$/m.exec(readFileSync(join(invalidDir, file), 'utf8'))?.[1]?.trim() ?? '';
    it(`refuses ${file} with "${expected}"`, async function () {
      assert.ok(expected, `${file} has no "# expect:" line`);
      const [object] = manifestsIn(invalidDir).find((m) => m.file === file)?.objects ?? [];
      // Created (as `kubectl create` would), not applied: server-side apply answers a duplicate
      // list entry with a 500 "failed to create typed patch object" instead of the field's rule.
      const api = k8s.KubernetesObjectApi.makeApiClient(kc);
      await assert.rejects(api.create(object as k8s.KubernetesObject, undefined, 'All'), (error) => {
        const { code, message } = apiError(error);
        assert.equal(code, 422, message);
        assert.ok(message.includes(expected), `message "${message}" does not include "${expected}"`);
        return true;
      });
    });
  }

  it('refuses a change of region once set', async function () {
    const tenant = tenantManifest('region-change', { region: 'eu-central-1' });
    await applyObjects(kc, [tenant]);
    const api = customObjects(kc);
    await assert.rejects(
      api.patchClusterCustomObject(
        { group, version, plural: 'tenants', name: 'region-change', body: { spec: { region: 'us-east-1' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
      (error) => {
        const { code, message } = apiError(error);
        assert.equal(code, 422);
        assert.match(message, /spec\.region is immutable/);
        return true;
      },
    );
    await api.deleteClusterCustomObject({ group, version, plural: 'tenants', name: 'region-change' });
  });

  it("refuses changing a plan's database isolation once set, naming the rule, and accepts other changes", async function () {
    const [pooled] = manifestsIn(join(repoRoot, 'crds/examples/plans')).find((m) => m.file === 'pooled.yaml')?.objects ?? [];
    assert.ok(pooled, 'crds/examples/plans/pooled.yaml');
    const plan = { ...pooled, metadata: { name: 'isolation-change' } } as k8s.KubernetesObject;
    await applyObjects(kc, [plan]);
    const api = customObjects(kc);
    const patch = (spec: object): Promise<unknown> =>
      api.patchClusterCustomObject(
        { group, version, plural: 'tenantplans', name: 'isolation-change', body: { spec } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await assert.rejects(patch({ isolation: { database: 'Dedicated' } }), (error) => {
      const { code, message } = apiError(error);
      assert.equal(code, 422);
      assert.match(message, /spec\.isolation: Invalid value: database may not change once set/);
      return true;
    });
    await patch({ database: { connectionLimit: 6 } });
    await api.deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: 'isolation-change' });
  });
});
