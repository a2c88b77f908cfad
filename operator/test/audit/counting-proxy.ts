/**
 * A TCP proxy in front of the test PostgreSQL server that records every session the audit opens
 * (who logged in, when it opened and closed, how many were open at once) and can hold this
 * process's event loop when a session starts, as a long synchronous stretch of the audit's
 * analysis does at a thousand tenants (docs/decisions/0039).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ProxiedSession {
  user: string;
  opened: number;
  closed?: number;
}

export interface CountingProxy {
  port: number;
  sessions: ProxiedSession[];
  /** The most sessions open at once. */
  peak: number;
  close(): Promise<void>;
}

/** The `user` of a PostgreSQL startup message: length, protocol, then key\0value\0 pairs. */
function startupUser(packet: Buffer): string {
  const pairs = packet.subarray(8).toString('utf8').split('\0');
  const index = pairs.indexOf('user');
  return index >= 0 ? (pairs[index + 1] ?? '') : '';
}

function holdEventLoop(millis: number): void {
  const until = performance.now() + millis;
  while (performance.now() < until) {
    // busy: the audit's timers and sockets wait, as they would behind a synchronous stretch
  }
}

/** `holdMillis(user, index)`: how long to hold the loop when session `index` (from 0) logs in as `user`. */
export async function startCountingProxy(
  target: { host: string; port: number },
  holdMillis: (user: string, index: number) => number = () => 0,
): Promise<CountingProxy> {
  const sessions: ProxiedSession[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  const proxy: CountingProxy = { port: 0, sessions, peak: 0, close: () => Promise.resolve() };
  const server: Server = createServer((downstream) => {
    const upstream = connect(target.port, target.host);
    sockets.add(downstream).add(upstream);
    const session: ProxiedSession = { user: '', opened: performance.now() };
    sessions.push(session);
    proxy.peak = Math.max(proxy.peak, ++open);
    downstream.once('data', (first: Buffer) => {
      session.user = startupUser(first);
      holdEventLoop(holdMillis(session.user, sessions.indexOf(session)));
      upstream.write(first);
      downstream.pipe(upstream).pipe(downstream);
    });
    const closed = (): void => {
      if (session.closed !== undefined) return;
      session.closed = performance.now();
      open -= 1;
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('close', closed).on('error', closed);
    upstream.on('close', closed).on('error', closed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  proxy.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}
