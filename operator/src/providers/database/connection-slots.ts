/**
 * The bound on one server's admin connections. PostgreSQL refuses connections past
 * max_connections, and every tenant's own sessions count against the same ceiling, so the
 * operator holds at most `maxConnections` at once: all but one in the admin pool (node-postgres
 * queues callers beyond its `max`), one for sessions inside a tenant's database and for pg_dump.
 * A cancellation (pg_cancel_backend) opens one more for the instant it takes; it is not counted,
 * because it must get through when every slot is held by the statement it cancels.
 */
import type { ConnectionWaitMetrics } from '../../runtime/metrics.js';

/** A counting semaphore in arrival order. */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Runs `use` once a slot is free, and frees it after. */
  async with<T>(use: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await use();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }

  get inUse(): number {
    return this.size - this.free;
  }
}

/** How the bound is split: the admin pool's size, and the slots for sessions elsewhere. */
export function splitConnections(maxConnections: number): { pool: number; elsewhere: number } {
  if (!Number.isInteger(maxConnections) || maxConnections < 2)
    throw new Error(`maxConnections must be an integer of at least 2, not ${maxConnections}`);
  return { pool: maxConnections - 1, elsewhere: 1 };
}

/** Times `wait` and reports it as `kind`. */
export async function timed<T>(metrics: ConnectionWaitMetrics | undefined, kind: string, wait: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await wait();
  } finally {
    metrics?.observeWait(kind, (performance.now() - started) / 1000);
  }
}
