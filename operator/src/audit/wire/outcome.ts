/**
 * From what the trying pods reported to verdicts, honestly: an attempt with no answer is unknown,
 * and so is every attempt whose control failed. The control is the site's own pair: a trying pod
 * must reach its own namespace's listener (the tenant's policies allow that) on every port. When it
 * cannot, a refusal from or to that namespace could be a dead pod or network rather than a policy,
 * so none of them counts as measured.
 */
import type { Attempt, Listener, ProbePlan, Verdict } from './model.js';
import type { Target } from './pods.js';

/** A trying pod's targets: every listener with an address, on every port, in this order. */
export function targetsFor(plan: ProbePlan, listeners: readonly Listener[]): (Target & { namespace: string })[] {
  return listeners.flatMap((listener) =>
    listener.address === undefined
      ? []
      : plan.ports.map((port) => ({ namespace: listener.namespace, address: listener.address as string, port })),
  );
}

/** `0=1 1=0 ...` → index → connected; anything unreadable is left out (unknown). */
export function parseTerminationMessage(message: string): Map<number, boolean> {
  const results = new Map<number, boolean>();
  for (const token of message.trim().split(/\s+/)) {
    const match = /^(\d+)=([01])$/.exec(token);
    if (match) results.set(Number(match[1]), match[2] === '1');
  }
  return results;
}

export interface TryingResult {
  namespace: string;
  /** The termination message, or why there is none (the pod failed, was not created, ...). */
  message?: string;
  problem?: string;
}

/** Every ordered pair of sites on every port, each with its verdict before the controls. */
export function rawAttempts(plan: ProbePlan, listeners: readonly Listener[], results: readonly TryingResult[]): Attempt[] {
  const targets = targetsFor(plan, listeners);
  const byNamespace = new Map(results.map((result) => [result.namespace, result]));
  const listenerOf = new Map(listeners.map((listener) => [listener.namespace, listener]));
  return plan.sites.flatMap(({ namespace: from }) => {
    const result = byNamespace.get(from);
    const answers = result?.message === undefined ? undefined : parseTerminationMessage(result.message);
    return plan.sites.flatMap(({ namespace: to }) =>
      plan.ports.map((port): Attempt => {
        const listener = listenerOf.get(to);
        if (listener?.address === undefined)
          return {
            from,
            to,
            port,
            verdict: 'unknown',
            why: `the listening pod in ${to} did not come up: ${listener?.problem ?? 'not created'}`,
          };
        if (answers === undefined)
          return {
            from,
            to,
            port,
            verdict: 'unknown',
            why: `the trying pod in ${from} gave no result: ${result?.problem ?? 'not created'}`,
          };
        const index = targets.findIndex((target) => target.namespace === to && target.port === port);
        const answer = answers.get(index);
        if (answer === undefined)
          return { from, to, port, verdict: 'unknown', why: `the trying pod in ${from} reported nothing for ${to} port ${port}` };
        return { from, to, port, verdict: answer ? 'connected' : 'refused' };
      }),
    );
  });
}

/**
 * Unknown for every refusal from or to a namespace whose own pair did not connect on that port. A
 * connection that opened stays measured whatever the control says: it did happen.
 */
export function applyControls(attempts: readonly Attempt[]): Attempt[] {
  const failedControl = new Set(
    attempts.filter((a) => a.from === a.to && a.verdict !== 'connected').map((a) => `${a.from}\u0000${a.port}`),
  );
  return attempts.map((attempt) => {
    if (attempt.verdict !== 'refused') return attempt;
    const culprit = [attempt.from, attempt.to].find((namespace) => failedControl.has(`${namespace}\u0000${attempt.port}`));
    if (culprit === undefined) return attempt;
    const verdict: Verdict = 'unknown';
    return {
      ...attempt,
      verdict,
      why: `the control failed: the probe pods in ${culprit} could not reach each other on port ${attempt.port}`,
    };
  });
}
