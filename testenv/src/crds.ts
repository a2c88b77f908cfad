/**
 * Bulkhead's CustomResourceDefinitions, applied with kubectl (client-node's typed serializer drops
 * the x-kubernetes-* schema extensions) and waited for by asking the API server: each CRD must say
 * Established and its resources must answer a list, since a just-established CRD can still answer
 * 429 "storage is (re)initializing" for a moment.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { eventually } from './poll.js';

export const bulkheadCrds = ['tenants', 'tenantplans', 'rollouts'].map((plural) => ({ plural, name: `${plural}.bulkhead.dev` }));

interface CrdStatus { status?: { conditions?: { type: string; status: string }[] } }

export async function installCrds(target: { kubectl: string; kubeconfig: string }, timeoutMs = 60_000): Promise<void> {
  const kubectl = (...args: string[]): string =>
    execFileSync(target.kubectl, ['--kubeconfig', target.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds'));
  for (const { plural, name } of bulkheadCrds) {
    await eventually(`CustomResourceDefinition ${name} to be Established`, () => {
      const crd = JSON.parse(kubectl('get', 'crd', name, '-o', 'json')) as CrdStatus;
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, timeoutMs);
    await eventually(`${plural}.bulkhead.dev to be served`, () => (kubectl('get', plural, '-o', 'name'), true), timeoutMs);
  }
}
