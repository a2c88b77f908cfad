/**
 * The process one periodic audit pass runs in (pass-child.ts forks it, docs/decisions/0068): it
 * waits for the operator's start message, runs the pass with its own connections to the cluster,
 * PostgreSQL and KMS, reports what the pass did, and ends. Leadership questions go to the
 * operator, which holds the lease; when the operator is gone the pass stops at once.
 */
import { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import { KubeClient } from '../kube/client.js';
import { resourceOf } from '../kube/transport.js';
import { errorMessage } from '../runtime/errors.js';
import { LeadershipNotConfirmed, type LeadershipFence } from '../runtime/fence.js';
import { createLogger } from '../runtime/logging.js';
import { runAuditPass } from './operator-audit-pass.js';
import { keyFromPem, keyToPem, type Confirmed, type FromPass, type RequestCount, type StartPass } from './pass-child.js';
import { AuditPassFailed } from './periodic.js';

let finished = false;

function send(message: FromPass): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) resolve();
    else process.send?.(message, undefined, {}, () => resolve());
  });
}

/** Asks the operator, which holds the lease, before each act that only a leader may do. */
function operatorFence(): LeadershipFence {
  let next = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void; act: string }>();
  process.on('message', (message: Confirmed | StartPass) => {
    if (message.kind !== 'confirmed') return;
    const asked = waiting.get(message.id);
    waiting.delete(message.id);
    if (!asked) return;
    if (message.refused === undefined) asked.resolve();
    else asked.reject(new LeadershipNotConfirmed(asked.act, message.refused));
  });
  return {
    confirm: (act: string) =>
      new Promise<void>((resolve, reject) => {
        const id = (next += 1);
        waiting.set(id, { resolve, reject, act });
        void send({ kind: 'confirm', id, act });
      }),
  };
}

async function runPass(start: StartPass): Promise<void> {
  const { config } = start;
  const logger = createLogger({ level: config.logLevel, name: 'bulkhead' }).child({ auditPass: process.pid });
  const requests = new Map<string, RequestCount>();
  const count = (verb: string, path: string, code: number): void => {
    const resource = resourceOf(path);
    const key = `${verb} ${resource} ${code}`;
    const counted = requests.get(key) ?? { verb, resource, code, count: 0 };
    counted.count += 1;
    requests.set(key, counted);
  };
  let client: KubeClient | undefined;
  let ending: FromPass;
  try {
    client = KubeClient.load(start.cluster.kubeconfig, count, start.cluster.context);
    const { result, signedWith } = await runAuditPass({
      client,
      config,
      logger,
      addresses: new PlatformAddressResolver(config),
      signedWith: start.signedWith.map(keyFromPem),
      fence: operatorFence(),
    });
    ending = { kind: 'done', result, ...(signedWith ? { signedWith: keyToPem(signedWith) } : {}) };
  } catch (error) {
    const failed = error instanceof AuditPassFailed ? error : undefined;
    ending = {
      kind: 'failed',
      error: errorMessage(error),
      ...(failed?.cost ? { cost: failed.cost } : {}),
      notLeader: failed?.notLeader ?? false,
    };
  } finally {
    client?.close();
  }
  await send({ kind: 'requests', counts: [...requests.values()] });
  await send(ending);
  finished = true;
  process.disconnect();
  // Whatever a library left open (a pool's idle timer) does not keep a finished pass alive.
  setTimeout(() => process.exit(0), 2_000).unref();
}

process.on('disconnect', () => {
  if (finished) return;
  process.stderr.write('The operator is gone; the audit pass stops\n');
  process.exit(1);
});
process.once('message', (message: StartPass) => {
  if (message.kind === 'start') void runPass(message);
});
