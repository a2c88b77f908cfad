/**
 * Helpers for the pool key specs: a DataKeyStore kept in a file (so a child process killed part-way
 * leaves it as a crashed operator would leave a Secret), the operator's principal, and running a
 * pool key operation in a child that must die at a crash point.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KmsEndpoint, TenantKeySpec } from '../../../src/providers/kms/index.js';
import type { DataKeyStore, WrappedDataKey } from '../../../src/providers/kms/pool/index.js';
import { accountId } from './kms.js';

export const operatorPrincipal = `arn:aws:iam::${accountId}:role/bulkhead-operator`;

/** A wrapped data key kept as JSON in one file; written whole with one writeFileSync. */
export class FileDataKeyStore implements DataKeyStore {
  constructor(readonly path: string) {}

  read(): Promise<WrappedDataKey | undefined> {
    return Promise.resolve(existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as WrappedDataKey) : undefined);
  }

  write(key: WrappedDataKey): Promise<void> {
    writeFileSync(this.path, JSON.stringify(key));
    return Promise.resolve();
  }

  delete(): Promise<void> {
    rmSync(this.path, { force: true });
    return Promise.resolve();
  }
}

export function temporaryStore(): FileDataKeyStore {
  return new FileDataKeyStore(join(mkdtempSync(join(tmpdir(), 'bulkhead-data-key-')), 'data-key.json'));
}

export interface PoolKeyChildRequest {
  operation: 'ensureTenant' | 'promote';
  endpoint: KmsEndpoint;
  spec: TenantKeySpec;
  storePath: string;
}

const childScript = fileURLToPath(new URL('./pool-key-crash-child.ts', import.meta.url));

/** Runs the operation in a child with BULKHEAD_CRASH_AT=crashAt; fails unless the child died there (SIGKILL). */
export async function poolKeyCrashDuring(request: PoolKeyChildRequest, crashAt: string): Promise<void> {
  const env = { ...process.env, BULKHEAD_CRASH_CHILD_REQUEST: JSON.stringify(request), BULKHEAD_CRASH_AT: crashAt };
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  assert.equal(exit.signal, 'SIGKILL', `expected the child to crash at ${crashAt}, but it exited with ${exit.code}: ${stderr}`);
}
