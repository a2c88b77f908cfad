/**
 * Plays the kubelet for chaos runs: keeps one operator process running, starting a new one
 * whenever it exits (killed by the run, or exiting by itself after losing its lease, as it is
 * designed to), so recovery needs nobody to act.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startOperator, type OperatorProcess } from '../../operator/test/support/operator-process.js';

export class Supervisor {
  current: OperatorProcess;
  /** Exits the run did not cause, e.g. the lease lost while kube-apiserver was down. */
  selfExits = 0;
  starts = 0;
  private stopping = false;
  private killing = false;

  constructor(
    readonly settings: Record<string, unknown>,
    private readonly restartDelayMs = 1_000,
  ) {
    this.current = this.spawn();
  }

  private spawn(): OperatorProcess {
    const operator = startOperator({ logLevel: 'info', ...this.settings });
    this.starts++;
    void operator.exited.then(async () => {
      if (this.stopping || operator !== this.current) return;
      if (!this.killing) this.selfExits++;
      await sleep(this.killing ? 0 : this.restartDelayMs);
      if (!this.stopping) this.current = this.spawn();
    });
    return operator;
  }

  /** kill -9 the running operator; its replacement starts at once. */
  async kill(): Promise<void> {
    const victim = this.current;
    this.killing = true;
    await victim.kill();
    while (this.current === victim && !this.stopping) await sleep(10);
    this.killing = false;
  }

  /** Stops the operator and keeps it stopped until resume(); with kill, by SIGKILL. */
  async stop(options: { kill?: boolean } = {}): Promise<void> {
    this.stopping = true;
    await (options.kill ? this.current.kill() : this.current.stop());
  }

  /** Starts an operator again after stop(). */
  resume(): void {
    this.stopping = false;
    this.current = this.spawn();
  }
}
