/** The local stack's guard against a second installation of the chart (local-stack.ts). */
import assert from 'node:assert/strict';
import { assertNoOtherInstallation, pulumiNamespace } from './local-stack.js';

/** A kubectl that answers the ClusterRole lookup with `owner` as its helm release namespace. */
const kubectlOwnedBy =
  (owner: string) =>
  (...args: string[]): string => {
    assert.deepEqual(args.slice(0, 3), ['get', 'clusterrole', 'bulkhead-operator']);
    return owner;
  };

describe('make pulumi-up beside another installation', () => {
  it("refuses while a helm release elsewhere owns the chart's cluster-wide objects, saying how to go on", () => {
    assert.throws(
      () => assertNoOtherInstallation(kubectlOwnedBy('bulkhead-system')),
      /already installed by the helm release in bulkhead-system.*two operators would act on the same Tenants.*helm uninstall bulkhead -n bulkhead-system/,
    );
  });

  it('goes ahead on a cluster without Bulkhead, or with its own earlier installation', () => {
    assert.doesNotThrow(() => assertNoOtherInstallation(kubectlOwnedBy('')));
    assert.doesNotThrow(() => assertNoOtherInstallation(kubectlOwnedBy(pulumiNamespace)));
  });
});
