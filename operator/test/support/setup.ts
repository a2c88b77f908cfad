/** The common ground of every operator spec: CRDs, test charts, example plans and the operator's namespace. */
import type * as k8s from '@kubernetes/client-node';
import { packageTestCharts } from './charts.js';
import { installCrds, kubeConfig } from './cluster.js';
import { prepareOperatorNamespace } from './operator-process.js';
import { applyExamplePlans } from './tenants.js';

export async function prepareCluster(): Promise<k8s.KubeConfig> {
  const kc = kubeConfig();
  await installCrds();
  await packageTestCharts();
  await applyExamplePlans(kc);
  await prepareOperatorNamespace(kc);
  return kc;
}
