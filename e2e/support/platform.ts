/**
 * The installed platform the journeys run against, named by environment variables so the same
 * specs run on the local control plane (`make e2e` starts one and sets them) and on any other
 * cluster (`make e2e-kind`, or yours):
 *
 *   KUBECONFIG            the cluster, with rights to read Tenants, Secrets and Events and to create Rollouts
 *   BULKHEAD_API_URL      the onboarding API
 *   BULKHEAD_API_TOKEN    a platform-admin token (the journeys mint narrower ones with it where they can)
 *   BULKHEAD_CONFIG       the operator's configuration file, for `bulkhead audit` (regions, signing)
 *   BULKHEAD_SALES_TOKEN / BULKHEAD_AUDITOR_TOKEN  tokens of those roles
 *   BULKHEAD_AUDIT_PUBLIC_KEY  the public key (PEM file) the operator signs audit reports with
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually as poll } from '../../testenv/src/poll.js';

export const repoRoot = join(import.meta.dirname, '../..');

export interface Platform {
  kubeconfig: string;
  apiUrl: string;
  adminToken: string;
  salesToken: string;
  auditorToken: string;
  operatorConfig: string;
  auditPublicKey: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the journeys with \`make e2e\` (local control plane) or set it for your cluster`);
  return value;
}

export function platform(): Platform {
  return {
    kubeconfig: required('KUBECONFIG'),
    apiUrl: required('BULKHEAD_API_URL'),
    adminToken: required('BULKHEAD_API_TOKEN'),
    salesToken: required('BULKHEAD_SALES_TOKEN'),
    auditorToken: required('BULKHEAD_AUDITOR_TOKEN'),
    operatorConfig: required('BULKHEAD_CONFIG'),
    auditPublicKey: required('BULKHEAD_AUDIT_PUBLIC_KEY'),
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bulkhead ARGS` as a user would, from the repository's bin. */
export async function bulkhead(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const run = promisify(execFile);
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'operator/bin/bulkhead.js'), ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Polls until `probe` returns a value, or fails naming what it waited for (two minutes by default). */
export function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  return poll(what, probe, timeoutMs, 500);
}
