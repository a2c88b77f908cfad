/**
 * A connect timeout that counts the time this process could have read the server's answer, not
 * wall time. node-postgres starts a plain timer when connect() is called; when the event loop is
 * then held by a long synchronous stretch (the audit's analysis at a thousand tenants held it for
 * 20 s), the timer and the server's answer are both due when the loop comes back, and Node runs
 * timers before it reads sockets: the connection is declared timed out with its answer unread
 * (docs/decisions/0039). Here the deadline is a chain of short ticks, and a tick that comes late
 * counts as one tick: time the loop was held is not time the server kept us waiting.
 */

/** What connectWithin needs of a pg.Client. */
export interface Connectable {
  connect(): Promise<unknown>;
  /** Stops a connection attempt under way (pg.Client's end() destroys its socket). */
  end(): Promise<unknown>;
}

/** The message starts as pg-pool's does, so errors.ts and connection-attempt.ts class it as unavailable. */
export class ConnectTimeout extends Error {
  constructor(
    readonly waitedMillis: number,
    readonly heldMillis: number,
  ) {
    const held = heldMillis >= 1 ? `; the event loop was held ${(heldMillis / 1000).toFixed(1)} s besides, not counted` : '';
    super(`timeout exceeded when trying to connect: no answer after ${(waitedMillis / 1000).toFixed(1)} s of waiting${held}`);
    this.name = 'ConnectTimeout';
  }
}

const tickFor = (millis: number): number => Math.max(5, Math.min(100, millis / 20));

/**
 * Connects `client`, or ends it and rejects with ConnectTimeout once `millis` of waiting have
 * passed, waiting being wall time less the time the event loop was held past each tick.
 */
export function connectWithin(client: Connectable, millis: number): Promise<void> {
  const tick = tickFor(millis);
  return new Promise<void>((resolve, reject) => {
    let waited = 0;
    let held = 0;
    let last = performance.now();
    let expired = false;
    const check = (): void => {
      const now = performance.now();
      waited += Math.min(now - last, 2 * tick);
      held += Math.max(0, now - last - 2 * tick);
      last = now;
      if (waited < millis) {
        timer = setTimeout(check, tick);
        return;
      }
      expired = true;
      client.end().catch(() => undefined);
      reject(new ConnectTimeout(waited, held));
    };
    let timer = setTimeout(check, tick);
    client.connect().then(
      () => {
        clearTimeout(timer);
        if (!expired) resolve();
      },
      (error: Error) => {
        clearTimeout(timer);
        if (!expired) reject(error);
      },
    );
  });
}
