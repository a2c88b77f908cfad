/**
 * The KMS emulator: moto's server, which speaks the real AWS KMS JSON protocol, so the operator
 * talks to it through @aws-sdk/client-kms exactly as it would to AWS. The same server speaks S3 on
 * the same port (path-style), where the backups go: the run creates their bucket. Installed by
 * hack/install-kms-emulator.sh into a cached virtualenv.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import type { ListenAt } from './postgres.js';
import { freePort, startProcess, waitUntil, type ManagedProcess } from './processes.js';

export interface KmsEmulator {
  endpoint: string;
  /** A bucket on the same server's S3 API for backups (path-style addressing). */
  backupBucket: string;
}

export const backupBucket = 'bulkhead-backups';

/** Listens on 127.0.0.1, or with a real node in the platform network namespace where pods reach it. */
export async function startKmsEmulator(
  logDir: string,
  processes: ManagedProcess[],
  at: ListenAt = { host: '127.0.0.1' },
): Promise<KmsEmulator> {
  const motoServer = execFileSync('bash', [join(repoRoot, 'hack/install-kms-emulator.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const port = await freePort();
  const endpoint = `http://${at.host}:${port}`;
  const moto = startProcess({
    name: 'kms-emulator',
    command: motoServer,
    args: ['-H', at.host, '-p', String(port)],
    log: join(logDir, 'kms-emulator.log'),
    netns: at.netns,
  });
  processes.push(moto);
  await waitUntil(moto, 'the KMS emulator to answer', async () => (await fetch(`${endpoint}/moto-api/`)).ok);
  // An unsigned request is routed to moto's S3; CreateBucket is a PUT on the bucket's path.
  const created = await fetch(`${endpoint}/${backupBucket}`, { method: 'PUT' });
  if (!created.ok) throw new Error(`creating the backup bucket on the emulator: HTTP ${created.status}`);
  return { endpoint, backupBucket };
}
