/**
 * The leadership fence. Leader election alone cannot stop a leader that was paused (a long GC, a
 * stopped VM, SIGSTOP) from waking up and acting on its stale belief that it leads: its timers have
 * not fired yet, so its leadership signal has not aborted. Every act that destroys something (a
 * DROP DATABASE, a KMS key's scheduled deletion, a namespace's deletion, an owner's finalizer
 * removed) therefore runs through `destructive()`, which asks the fence to confirm leadership
 * immediately before the act. The elector's fence (LeaderElector.confirm) reads the Lease afresh;
 * see docs/decisions/0016.
 */

export interface LeadershipFence {
  /** Resolves only if this process may act as the leader right now; else throws LeadershipNotConfirmed. */
  confirm(act: string): Promise<void>;
}

/** The fence refused: this process could not show that it still leads, so `act` did not happen. */
export class LeadershipNotConfirmed extends Error {
  constructor(
    readonly act: string,
    readonly why: string,
    options?: { cause?: unknown },
  ) {
    super(`refused ${act}: leadership not confirmed (${why}); the leader will do it`, options);
    this.name = 'LeadershipNotConfirmed';
  }
}

/**
 * The one way to run a destructive act: confirms leadership, then runs it at once. Destructive
 * primitives (AdminConnection.destroy, KmsSession.destroy, KubeClient.delete of a Namespace) call
 * it themselves and take the fence as a required argument, so a new call site cannot skip it.
 */
export async function destructive<T>(fence: LeadershipFence, act: string, run: () => Promise<T>): Promise<T> {
  await fence.confirm(act);
  return run();
}

/**
 * The fence of a process that runs without leader election (one replica by configuration, a
 * test, a one-shot command): it confirms while `signal` has not aborted, since nobody else acts.
 */
export function unelectedFence(signal: AbortSignal): LeadershipFence {
  return {
    confirm(act: string): Promise<void> {
      if (signal.aborted) return Promise.reject(new LeadershipNotConfirmed(act, 'the operator is stopping'));
      return Promise.resolve();
    },
  };
}
