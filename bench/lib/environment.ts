/**
 * A fresh test environment per benchmark or chaos run (kube-apiserver, etcd, PostgreSQL, moto),
 * in bench/tmp, prepared like the operator specs prepare theirs: CRDs, test charts, example plans
 * and the operator's namespace. Each run starts clean so one size never pays for another's leftovers.
 */
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../testenv/src/crds.js';
import { readEnvironment, startEnvironment, stopEnvironment, type Environment } from '../../testenv/src/environment.js';
import { packageTestCharts } from '../../operator/test/support/charts.js';
import { kubeConfig, repoRoot } from '../../operator/test/support/cluster.js';
import { prepareOperatorNamespace } from '../../operator/test/support/operator-process.js';
import { applyExamplePlans } from '../../operator/test/support/tenants.js';

export const benchTmp = join(repoRoot, 'bench', 'tmp');

/** Runs `body` against a new environment and always stops it (reading back restarted components). */
export async function withEnvironment<T>(label: string, body: (env: Environment, kc: k8s.KubeConfig) => Promise<T>): Promise<T> {
  const dir = join(benchTmp, `env-${process.pid}-${label}`);
  const env = await startEnvironment(dir);
  process.env.BULKHEAD_TEST_ENVIRONMENT = dir;
  const stop = async (): Promise<void> => stopEnvironment(readEnvironment(dir) ?? env);
  const onSignal = (): void => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const kc = kubeConfig(env.kubeconfig);
    await installCrds(env);
    await packageTestCharts();
    await applyExamplePlans(kc);
    await prepareOperatorNamespace(kc);
    return await body(env, kc);
  } finally {
    process.off('SIGINT', onSignal);
    await stop();
  }
}
