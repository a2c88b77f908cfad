/**
 * The KMS emulator: moto's server, which speaks the real AWS KMS JSON protocol, so the operator
 * talks to it through @aws-sdk/client-kms exactly as it would to AWS. Installed by
 * hack/install-kms-emulator.sh into a cached virtualenv.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { freePort, startProcess, waitUntil, type ManagedProcess } from './processes.js';

export interface KmsEmulator {
  endpoint: string;
}

export async function startKmsEmulator(logDir: string, processes: ManagedProcess[]): Promise<KmsEmulator> {
  const motoServer = execFileSync('bash', [join(repoRoot, 'hack/install-kms-emulator.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const moto = startProcess({
    name: 'kms-emulator',
    command: motoServer,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    log: join(logDir, 'kms-emulator.log'),
  });
  processes.push(moto);
  await waitUntil(moto, 'the KMS emulator to answer', async () => (await fetch(`${endpoint}/moto-api/`)).ok);
  return { endpoint };
}
