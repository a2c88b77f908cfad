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

interface CrdStatus {
  status?: { conditions?: { type: string; status: string }[] };
}

export async function installCrds(target: Target, timeoutMs = 60_000): Promise<void> {
  await installCrdFiles(
    target,
    [join(repoRoot, 'crds')],
    bulkheadCrds.map(({ name }) => name),
    timeoutMs,
  );
}

interface Target {
  kubectl: string;
  kubeconfig: string;
}

/** Applies CRD files and waits until each named CRD is Established and its resources answer a list. */
export async function installCrdFiles(target: Target, files: string[], names: string[], timeoutMs = 60_000): Promise<void> {
  const kubectl = (...args: string[]): string =>
    execFileSync(target.kubectl, ['--kubeconfig', target.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  kubectl('apply', '--server-side', ...files.flatMap((file) => ['-f', file]));
  for (const name of names) {
    await eventually(
      `CustomResourceDefinition ${name} to be Established`,
      () => {
        const crd = JSON.parse(kubectl('get', 'crd', name, '-o', 'json')) as CrdStatus;
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      timeoutMs,
    );
    await eventually(`${name} to be served`, () => (kubectl('get', name, '-A', '-o', 'name'), true), timeoutMs);
  }
}
