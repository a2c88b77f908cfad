/**
 * Crash injection from the specs' side: runs a provider operation in a child process with
 * BULKHEAD_CRASH_AT set and checks that it really died there (SIGKILL), so the spec can then show
 * that calling the operation again converges.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DatabaseServer, TenantDatabaseSpec } from '../../../src/providers/database/index.js';
import type { PooledTenantSpec, PromotionSpec } from '../../../src/providers/database/pooled/index.js';
import type { KmsEndpoint, TenantKeySpec } from '../../../src/providers/kms/index.js';

export type CrashChildRequest =
  | {
      provider: 'database';
      operation: 'ensure' | 'retain' | 'snapshotAndDrop' | 'drop';
      server: DatabaseServer;
      spec: TenantDatabaseSpec;
      password?: string;
      snapshotDir?: string;
    }
  | { provider: 'pooled'; operation: 'ensure' | 'drop'; server: DatabaseServer; spec: PooledTenantSpec; password?: string }
  | { provider: 'promotion'; operation: 'stopWrites' | 'copy' | 'dropFromPool'; server: DatabaseServer; spec: PromotionSpec }
  | { provider: 'kms'; operation: 'ensureKey' | 'scheduleDeletion'; endpoint: KmsEndpoint; spec: TenantKeySpec };

const childScript = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(request: CrashChildRequest, crashAt: string | undefined): Promise<ChildExit> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BULKHEAD_CRASH_CHILD_REQUEST: JSON.stringify(request),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (crashAt === undefined) delete env.BULKHEAD_CRASH_AT;
  else env.BULKHEAD_CRASH_AT = crashAt;
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** Runs the operation in a child that must be killed at `crashAt`; fails the spec if it finishes or fails instead. */
export async function crashDuring(request: CrashChildRequest, crashAt: string): Promise<void> {
  const exit = await runChild(request, crashAt);
  assert.equal(exit.signal, 'SIGKILL', `expected the child to crash at ${crashAt}, but it exited with ${exit.code}: ${exit.stderr}`);
}
