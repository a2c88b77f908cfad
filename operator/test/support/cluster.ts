/**
 * Test helpers for the operator's integration specs: a client-node KubeConfig for the test
 * environment (or another identity), the CRDs and example plans installed once, and a poller.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { eventually, installCrds as installBulkheadCrds, testEnvironment } from '@bulkhead/testenv';

export const repoRoot = join(import.meta.dirname, '../../..');

export function kubeConfig(path = testEnvironment().kubeconfig): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function readManifests(path: string): k8s.KubernetesObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as k8s.KubernetesObject)
    .filter(Boolean);
}

export function manifestsIn(dir: string): { file: string; objects: k8s.KubernetesObject[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, objects: readManifests(join(dir, file)) }));
}

/** Server-side applies objects as a person with kubectl would (field manager "kubectl"). */
export async function applyObjects(kc: k8s.KubeConfig, objects: k8s.KubernetesObject[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await api.patch(object, undefined, undefined, 'kubectl', true, k8s.PatchStrategy.ServerSideApply);
  }
}

let installed = false;

/** Installs the CRDs and waits until they are served; idempotent within a test run. */
export async function installCrds(): Promise<void> {
  if (installed) return;
  await installBulkheadCrds(testEnvironment());
  installed = true;
}

export { eventually };

/** The HTTP status code of a client-node error, and the server's message. */
export function apiError(error: unknown): { code: number; message: string } {
  if (!(error instanceof k8s.ApiException)) throw error;
  const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as { message?: string } | undefined;
  return { code: error.code, message: body?.message ?? '' };
}

export async function isGone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (error) {
    return apiError(error).code === 404;
  }
}
