/**
 * Helpers for the backup specs: the emulator's S3 as the backup store, a TenantBackups wired to
 * the test PostgreSQL and moto's KMS, a tenant with a database and a key, and a child process
 * that takes a backup and is killed at a crash point.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from '@bulkhead/testenv';
import { createLogger } from '../../../src/runtime/logging.js';
import { ObjectStore, TenantBackups, type BackupSubject, type ObjectStoreEndpoint } from '../../../src/providers/backup/index.js';
import type { PostgresDatabaseProvider } from '../../../src/providers/database/index.js';
import { generatePassword, type TenantDatabaseSpec } from '../../../src/providers/database/index.js';
import type { AwsKmsProvider } from '../../../src/providers/kms/index.js';
import { KmsSession } from '../../../src/providers/kms/kms-session.js';
import { kmsEndpoint, tenantKeySpec } from './kms.js';
import { adminServer, connectedAs, tenantDatabaseSpec } from './postgres.js';

export const backupPrefix = 'bulkhead/';

export function storeEndpoint(): ObjectStoreEndpoint {
  const { kms } = testEnvironment();
  return {
    bucket: kms.backupBucket ?? 'bulkhead-backups',
    region: 'eu-central-1',
    endpoint: kms.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

export interface BackupWiring {
  backups: TenantBackups;
  store: ObjectStore;
  close(): void;
}

export function backupWiring(workDir = mkdtempSync(join(tmpdir(), 'bulkhead-backups-'))): BackupWiring {
  const logger = createLogger({ silent: true });
  const store = new ObjectStore(storeEndpoint());
  const kms = KmsSession.open(kmsEndpoint(), { logger });
  const backups = new TenantBackups({ store, prefix: backupPrefix, kms, server: adminServer(), workDir, timeoutMillis: 60_000, logger });
  return {
    backups,
    store,
    close: () => {
      store.close();
      kms.close();
    },
  };
}

export interface TenantUnderTest {
  subject: BackupSubject;
  spec: TenantDatabaseSpec;
  password: string;
}

/** A tenant with its database (password known) and its KMS key, as the tenant controller would make them. */
export async function tenantWithKey(prefix: string, database: PostgresDatabaseProvider, kms: AwsKmsProvider): Promise<TenantUnderTest> {
  const spec = tenantDatabaseSpec(prefix);
  const keySpec = tenantKeySpec(prefix, spec.tenantUid);
  const password = generatePassword();
  await database.ensure(spec, password);
  await kms.ensureKey(keySpec);
  return { spec, password, subject: { database: spec, keyAlias: keySpec.alias } };
}

/** Runs a query as the tenant's own role in its database. */
export async function asTenant<T>(tenant: TenantUnderTest, use: Parameters<typeof connectedAs<T>>[3]): Promise<T> {
  return connectedAs(tenant.spec.roleName, tenant.password, tenant.spec.databaseName, use);
}

export interface BackupChildRequest {
  operation: 'backup' | 'prune';
  subject: BackupSubject;
  workDir: string;
}

const childScript = fileURLToPath(new URL('./backup-crash-child.ts', import.meta.url));

/** Takes a backup (or prunes to one) in a child that must be killed at `crashAt`. */
export async function backupCrashesAt(request: BackupChildRequest, crashAt: string): Promise<void> {
  const env = { ...process.env, BULKHEAD_CRASH_AT: crashAt, BULKHEAD_BACKUP_CHILD_REQUEST: JSON.stringify(request) };
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  assert.equal(exit.signal, 'SIGKILL', `expected the child to crash at ${crashAt}, but it exited with ${exit.code}: ${stderr}`);
}
