/** One plain-script measurement on a fresh environment: the same N tenants, no controller. */
import { KubeClient } from '../../operator/src/kube/client.js';
import { operatorKubeconfig } from '../../operator/test/support/operator-identity.js';
import type { Environment } from '../../testenv/src/environment.js';
import { benchOperatorConfig } from './operator-settings.js';
import { PlainOnboarding } from './plain-onboarding.js';
import { inPool } from './stats.js';
import { createTenants, tenantNames } from './tenants.js';

export interface PlainRun {
  tenants: number;
  concurrency: number;
  guardrailsMs: number[];
  readyMs: number[];
  guardrailsTotalMs: number;
  totalMs: number;
  requestsPerTenant: Record<string, number>;
  /** Tenants whose onboarding was retried after a transient failure. */
  retries: number;
}

export async function measurePlain(env: Environment, n: number, concurrency: number): Promise<PlainRun> {
  const requests: Record<string, number> = {};
  // The operator's own identity: kube-apiserver audits its requests, so an admin identity would be cheaper.
  const client = KubeClient.load(operatorKubeconfig(), (method) => {
    requests[method] = (requests[method] ?? 0) + 1;
  });
  const admin = KubeClient.load(env.kubeconfig);
  const plain = new PlainOnboarding(client, benchOperatorConfig(env), admin);
  try {
    const names = tenantNames('bench', n);
    const start = Date.now();
    const created = await createTenants(admin, names);
    const guardrails = await inPool(names, concurrency, (name) => plain.onboard(name));
    // Counted before waiting: the wait's polling is the benchmark's, not the onboarding's.
    const onboardingRequests = { ...requests };
    const available = await plain.waitAvailable(names, 120_000 + n * 3_000);
    const since = (name: string, at: number | undefined): number => (at ?? Number.NaN) - (created.get(name) ?? start);
    const perTenant = Object.fromEntries(
      Object.entries(onboardingRequests).map(([verb, count]) => [verb, Math.round((count / n) * 10) / 10]),
    );
    return {
      tenants: n,
      concurrency,
      guardrailsMs: names.map((name, i) => since(name, guardrails[i])),
      readyMs: names.map((name) => since(name, available.get(name))),
      guardrailsTotalMs: Math.max(...guardrails) - start,
      totalMs: Math.max(...available.values()) - start,
      retries: plain.retries,
      requestsPerTenant: { total: Object.values(onboardingRequests).reduce((a, b) => a + b, 0) / n, ...perTenant },
    };
  } finally {
    await plain.close();
    client.close();
    admin.close();
  }
}
