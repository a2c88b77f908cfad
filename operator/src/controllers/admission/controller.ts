/**
 * Keeps the tenant namespaces' admission policies (resources/admission-policies.ts) installed and
 * exactly as built, like the NetworkPolicies: informers on Bulkhead's ValidatingAdmissionPolicies
 * and bindings bring any change or deletion back to one queue key, and the reconcile applies what
 * differs. It runs on the leader only. The policies' names are fixed (the chart's RBAC lists them),
 * so there is nothing older to prune.
 */
import { managedByLabel, managedByValue, fieldManager } from '../../api/labels.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { KubeClient } from '../../kube/client.js';
import { listerWatcher } from '../../kube/list-watch.js';
import { isSubset } from '../../kube/semantic.js';
import { buildAdmissionPolicies } from '../../resources/admission-policies.js';
import { Controller } from '../../runtime/controller.js';
import { enqueueHandler } from '../../runtime/handlers.js';
import { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';
import type { KubeObject } from '../../runtime/types.js';
import type { PlatformAddressResolver } from '../tenant/platform-addresses.js';

export interface AdmissionControllerDeps {
  client: KubeClient;
  config: OperatorConfig;
  addresses: PlatformAddressResolver;
  logger: Logger;
  metrics?: RuntimeMetrics;
}

export interface AdmissionController {
  controller: Controller;
  informers: Informer<KubeObject>[];
  /** Queues the one key; call when leading starts. */
  kick: () => void;
}

const apiVersion = 'admissionregistration.k8s.io/v1';
const kinds = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'] as const;
const key = 'tenant-admission-policies';

export function createAdmissionController(deps: AdmissionControllerDeps): AdmissionController {
  const { client, logger } = deps;
  const informers = kinds.map(
    (kind) =>
      new Informer<KubeObject>({
        name: kind.toLowerCase(),
        logger,
        listerWatcher: listerWatcher<KubeObject>(client, { apiVersion, kind, labelSelector: `${managedByLabel}=${managedByValue}` }),
      }),
  );
  const reconcile = async (): Promise<void> => {
    const { excluded } = await deps.addresses.addresses();
    const desired = buildAdmissionPolicies({
      clusterDomain: deps.config.network.clusterDomain,
      excludedCidrs: excluded.map((range) => range.cidr),
      ...(deps.config.network.baseDomain ? { baseDomain: deps.config.network.baseDomain } : {}),
    });
    for (const object of desired) {
      const store = informers[kinds.indexOf(object.kind as (typeof kinds)[number])]?.store;
      const live = store?.get(object.metadata.name);
      if (live && isSubset(object, live)) continue;
      await client.apply(object, { fieldManager, force: true });
      logger.info(`Applied ${object.kind}`, { name: object.metadata.name });
    }
  };
  const controller = new Controller({ name: 'admission-policies', reconcile, logger, metrics: deps.metrics, maxConcurrentReconciles: 1 });
  for (const informer of informers) informer.addEventHandler(enqueueHandler(controller.queue, { keys: () => [key] }));
  return { controller, informers, kick: () => controller.queue.add(key) };
}
