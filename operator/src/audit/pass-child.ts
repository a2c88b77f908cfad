/**
 * The periodic audit's pass in a child process (docs/decisions/0068): the operator forks
 * pass-process.ts for each pass, hands it the configuration and the keys it signed with before,
 * answers its leadership questions, and reads back what the pass did. The pass's code (the
 * analysis, pg, the KMS SDK) and its peak (about 285 MiB at 1000 tenants) leave with the child, so
 * the operator after a pass is the operator before it, and a pass the kernel kills for memory
 * fails the pass, not the operator.
 *
 * The child talks to kube-apiserver, PostgreSQL and KMS itself, with the operator's own
 * credentials (the same ServiceAccount and Secrets); its stdout and stderr are the operator's, so
 * its log lines are in the pod's log. Its KMS requests take their turns at the operator's pacers,
 * so the pass and the operator's workers share one budget per operation, as in one process. It is
 * stopped when the leadership ends and it ends itself when the operator is gone (the IPC channel closes).
 */
import { fork } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperatorConfig } from '../api/operator-config.js';
import { existingKmsPacer, type KmsScope } from '../providers/kms/pacing.js';
import type { LeadershipFence } from '../runtime/fence.js';
import { PacerBusy } from '../runtime/pacer.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logging.js';
import type { AuditCost } from './cost.js';
import type { CheckCategory } from './model.js';
import { AuditPassFailed, type PassResult } from './periodic.js';

/** The operator's first message: everything the pass needs that is not in the environment. */
export interface StartPass {
  kind: 'start';
  config: OperatorConfig;
  cluster: ClusterAccess;
  /** PKCS#8 PEM of the keys earlier passes signed with, newest first. */
  signedWith: string[];
}

/** The operator's answer to a KMS turn asked for: taken at its pacer (or none to wait for), or the pacer's refusal. */
export interface Turned {
  kind: 'turned';
  id: number;
  /** The operation's budget at the operator's pacer, for the pass's messages; absent when it has no pacer there. */
  budget?: number;
  /** The turn is further away than the pacer lets anyone wait (PacerBusy). */
  busyForMs?: number;
  /** The wait was cut short (the leadership ended). */
  stopped?: string;
}

/** The operator's answer to a leadership question. */
export interface Confirmed {
  kind: 'confirmed';
  id: number;
  /** Why leadership could not be confirmed; absent when it was. */
  refused?: string;
}

/** The pass's messages: a leadership question, its kube requests, and how it ended. */
export type FromPass =
  | { kind: 'ready' }
  | { kind: 'confirm'; id: number; act: string }
  | { kind: 'judged'; id: number; findings: Record<CheckCategory, number> }
  | { kind: 'requests'; counts: RequestCount[] }
  | { kind: 'turn'; id: number; scope: KmsScope; operation: string }
  | { kind: 'throttled'; scope: KmsScope; operation: string }
  | { kind: 'done'; result: PassResult; signedWith?: string }
  | { kind: 'failed'; error: string; cost?: AuditCost; notLeader?: boolean };

/** How the operator reaches the cluster (its --kubeconfig and --context; neither: the pod's ServiceAccount). */
export interface ClusterAccess {
  kubeconfig?: string;
  context?: string;
}

export interface RequestCount {
  verb: string;
  resource: string;
  code: number;
  count: number;
}

export interface ChildPassOptions {
  config: OperatorConfig;
  cluster: ClusterAccess;
  logger: Logger;
  fence: LeadershipFence;
  /** The leadership: when it ends, the pass is stopped. */
  signal: AbortSignal;
  /** Adds the pass's requests to kube-apiserver to the operator's own count. */
  countRequests?: (count: RequestCount) => void;
  /** How long a stopped pass gets between SIGTERM and SIGKILL (default 5 s). */
  killAfterMs?: number;
  /** The longest a pass may run before it is stopped (default: the configuration's audit.passTimeoutSeconds). */
  deadlineMs?: number;
}

/** The pass's entry, beside this module: pass-process.js when compiled, pass-process.ts under tsx. */
const passEntry = fileURLToPath(new URL(`./pass-process${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Runs each pass in a child process, and keeps the keys the passes signed with from one to the next. */
export function passInChild(options: ChildPassOptions): (judged: (findings: Record<CheckCategory, number>) => void) => Promise<PassResult> {
  let signedWith: string[] = [];
  return async (judged) => {
    const done = await runChild(options, signedWith, judged);
    if (done.signedWith) signedWith = [done.signedWith, ...signedWith.filter((pem) => pem !== done.signedWith)].slice(0, 3);
    return done.result;
  };
}

/** A key as it crosses to the child; the channel is the operator's own pipe to its own child. */
export const keyToPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();
export const keyFromPem = (pem: string): KeyObject => createPrivateKey(pem);

function runChild(
  options: ChildPassOptions,
  signedWith: string[],
  judged: (findings: Record<CheckCategory, number>) => void,
): Promise<Extract<FromPass, { kind: 'done' }>> {
  const { config, cluster, logger, fence, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AuditPassFailed('the leadership ended before the pass started', { notLeader: true }));
      return;
    }
    // Advanced serialization: the configuration crosses as it is (structured clone), not re-parsed.
    const child = fork(passEntry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The AWS SDK's notice about Node versions is a build-time matter the operator's own process
      // prints once; a pass is a new process each interval and would print it into the log each time.
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let ended: Extract<FromPass, { kind: 'done' | 'failed' }> | undefined;
    let spawnError: Error | undefined;
    const stop = (): void => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 5_000).unref();
    };
    signal.addEventListener('abort', stop, { once: true });
    const deadlineMs = options.deadlineMs ?? config.audit.passTimeoutSeconds * 1000;
    let overran = false;
    const deadline = setTimeout(() => {
      overran = true;
      stop();
    }, deadlineMs);
    let kmsTurns = 0;
    const answer = (message: Confirmed | Turned): void => {
      if (child.connected) child.send(message, () => undefined);
    };
    child.on('message', (message: FromPass) => {
      switch (message.kind) {
        case 'confirm':
          fence.confirm(message.act).then(
            () => answer({ kind: 'confirmed', id: message.id }),
            (error: unknown) => answer({ kind: 'confirmed', id: message.id, refused: errorMessage(error) }),
          );
          return;
        case 'judged':
          // Answered once the metrics have them: the pass writes its first condition only then.
          judged(message.findings);
          answer({ kind: 'confirmed', id: message.id });
          return;
        case 'ready':
          // Sent once its listener is on: a message sent before then (while an ES module entry still loads) would be lost.
          child.send({ kind: 'start', config, cluster, signedWith } satisfies StartPass, (error) => {
            if (error) logger.warn('Could not start the audit pass', { error: errorMessage(error) });
          });
          return;
        case 'turn':
          kmsTurns += 1;
          void takeTurn(message, signal).then(answer);
          return;
        case 'throttled':
          existingKmsPacer(message.scope)?.throttled(message.operation);
          return;
        case 'requests':
          for (const count of message.counts) options.countRequests?.(count);
          return;
        default:
          ended = message;
      }
    });
    child.on('error', (error) => {
      spawnError = error;
    });
    // 'close': the process has exited and its IPC channel is closed, so every message it sent has arrived.
    child.on('close', (code, exitSignal) => {
      signal.removeEventListener('abort', stop);
      clearTimeout(deadline);
      logger.debug('The audit pass process ended', { pid: child.pid, code, signal: exitSignal, kmsTurns });
      if (ended?.kind === 'done') resolve(ended);
      else if (ended?.kind === 'failed')
        reject(new AuditPassFailed(ended.error, { ...(ended.cost ? { cost: ended.cost } : {}), notLeader: ended.notLeader ?? false }));
      else if (overran && !signal.aborted)
        reject(
          new AuditPassFailed(`the audit pass did not finish within ${deadlineMs / 1000} s (audit.passTimeoutSeconds) and was stopped`),
        );
      else reject(new AuditPassFailed(endedEarly(code, exitSignal, signal.aborted, spawnError), { notLeader: signal.aborted }));
    });
    logger.debug('Started the audit pass process', { pid: child.pid });
  });
}

/** A turn at the operator's pacer for the scope, as the operator's own workers take theirs. */
async function takeTurn(message: Extract<FromPass, { kind: 'turn' }>, signal: AbortSignal): Promise<Turned> {
  const pacer = existingKmsPacer(message.scope);
  const turned = { kind: 'turned', id: message.id } as const;
  if (!pacer) return turned;
  const budget = pacer.budget(message.operation);
  try {
    await pacer.acquire(message.operation, signal);
    return { ...turned, ...(budget === undefined ? {} : { budget }) };
  } catch (error) {
    if (error instanceof PacerBusy) return { ...turned, ...(budget === undefined ? {} : { budget }), busyForMs: error.retryAfterMs };
    return { ...turned, stopped: errorMessage(error) };
  }
}

function endedEarly(code: number | null, signal: NodeJS.Signals | null, stopped: boolean, spawnError: Error | undefined): string {
  if (spawnError) return `could not start the audit pass process: ${spawnError.message}`;
  if (stopped) return 'the audit pass was stopped because the leadership ended';
  const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
  const hint =
    signal === 'SIGKILL'
      ? ' (the kernel kills a process over its memory limit this way)'
      : signal === 'SIGABRT'
        ? ' (V8 aborts this way at its heap limit)'
        : '';
  return `the audit pass process ${how}${hint} before it reported; its log lines are the operator's`;
}
