/**
 * The process one periodic audit pass runs in (pass-child.ts forks it, docs/decisions/0068): it
 * waits for the operator's start message, runs the pass with its own connections to the cluster,
 * PostgreSQL and KMS, reports what the pass did, and ends. Leadership questions go to the
 * operator, which holds the lease, and each KMS request takes its turn at the operator's pacer for
 * its region; when the operator is gone the pass stops at once.
 */
import { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import { KubeClient } from '../kube/client.js';
import { resourceOf } from '../kube/transport.js';
import { errorMessage } from '../runtime/errors.js';
import { kmsPacerKey, pacersElsewhere, type KmsScope } from '../providers/kms/pacing.js';
import { LeadershipNotConfirmed, type LeadershipFence } from '../runtime/fence.js';
import { PacerBusy, type Turns } from '../runtime/pacer.js';
import { createLogger } from '../runtime/logging.js';
import { runAuditPass } from './operator-audit-pass.js';
import { keyFromPem, keyToPem, type Confirmed, type FromPass, type RequestCount, type StartPass, type Turned } from './pass-child.js';
import { AuditPassFailed } from './periodic.js';

// This module is the entry of a process that runs one pass: its state below is that process's,
// not a cache shared across passes (docs/decisions/0063 keeps the audit's other modules stateless).
let finished = false;

function send(message: FromPass): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) resolve();
    else process.send?.(message, undefined, {}, () => resolve());
  });
}

/** Questions to the operator, each answered by a message with its id. */
const waiting = new Map<number, (answer: Confirmed | Turned) => void>();
let asked = 0;

function ask<A extends Confirmed | Turned>(question: (id: number) => FromPass): Promise<A> {
  return new Promise((resolve) => {
    const id = (asked += 1);
    waiting.set(id, resolve as (answer: Confirmed | Turned) => void);
    void send(question(id));
  });
}

process.on('message', (message: Confirmed | Turned | StartPass) => {
  if (message.kind === 'start') return;
  const answered = waiting.get(message.id);
  waiting.delete(message.id);
  answered?.(message);
});

/** The operator holds the lease: each act only a leader may do is confirmed there. */
const operatorFence: LeadershipFence = {
  async confirm(act: string): Promise<void> {
    const answer = await ask<Confirmed>((id) => ({ kind: 'confirm', id, act }));
    if (answer.refused !== undefined) throw new LeadershipNotConfirmed(act, answer.refused);
  },
};

/** Turns at the operator's KMS pacer for one scope: the pass and the operator's workers share its budget. */
function operatorTurns(scope: KmsScope): Turns {
  const budgets = new Map<string, number>();
  return {
    async acquire(kind: string, signal?: AbortSignal): Promise<void> {
      signal?.throwIfAborted();
      const answer = await ask<Turned>((id) => ({ kind: 'turn', id, scope, operation: kind }));
      if (answer.budget !== undefined) budgets.set(kind, answer.budget);
      if (answer.busyForMs !== undefined) throw new PacerBusy(kind, answer.busyForMs);
      if (answer.stopped !== undefined) throw new Error(`no KMS turn for ${kind}: ${answer.stopped}`);
    },
    throttled(kind: string): number {
      void send({ kind: 'throttled', scope, operation: kind });
      // The slower rate is the operator's to know; the audit does not retry, its check reports the throttle.
      return 0;
    },
    budget: (kind: string) => budgets.get(kind),
  };
}

async function runPass(start: StartPass): Promise<void> {
  const { config } = start;
  const scopes = new Map<string, Turns>();
  pacersElsewhere((scope) => {
    const key = kmsPacerKey(scope);
    if (!scopes.has(key)) scopes.set(key, operatorTurns(scope));
    return scopes.get(key);
  });
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
      fence: operatorFence,
      judged: async (findings) => {
        await ask<Confirmed>((id) => ({ kind: 'judged', id, findings }));
      },
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
void send({ kind: 'ready' });
