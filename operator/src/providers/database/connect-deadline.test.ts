import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { ConnectTimeout, connectWithin, type Connectable } from './connect-deadline.js';

/** Holds the event loop, as a long synchronous stretch of the audit's analysis does. */
function holdEventLoop(millis: number): void {
  const until = performance.now() + millis;
  while (performance.now() < until) {
    // busy: nothing else in this process runs
  }
}

/** A TCP connection to `port` on loopback, as something connectWithin can start and stop. */
function socketClient(port: number): Connectable & { socket?: Socket } {
  const client: Connectable & { socket?: Socket } = {
    connect: () =>
      new Promise<void>((resolve, reject) => {
        client.socket = netConnect(port, '127.0.0.1', () => resolve());
        client.socket.on('error', reject);
      }),
    end: () => {
      client.socket?.destroy();
      return Promise.resolve();
    },
  };
  return client;
}

describe('the connect deadline', () => {
  let server: Server;
  let port: number;
  const accepted: Socket[] = [];

  before(async () => {
    server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects when the answer came while the event loop was held past the deadline', async () => {
    const client = socketClient(port);
    const connecting = connectWithin(client, 50);
    holdEventLoop(300);
    await connecting;
    assert.equal(client.socket?.readyState, 'open');
    client.socket?.destroy();
  });

  it('shows why: a plain timer started before the same stretch fires before the socket is read', async () => {
    const client = socketClient(port);
    const plain = Promise.race([
      client.connect().then(() => 'connected'),
      new Promise((resolve) => setTimeout(() => resolve('timed out'), 50)),
    ]);
    holdEventLoop(300);
    assert.equal(await plain, 'timed out');
    client.socket?.destroy();
  });

  it('gives up after the deadline when nothing answers, ends the attempt and says how long it waited', async () => {
    let ended = false;
    let fail = (_error: Error): void => undefined;
    const silent: Connectable = {
      connect: () => new Promise((_resolve, reject) => (fail = reject)),
      end: () => {
        ended = true;
        fail(new Error('Connection terminated'));
        return Promise.resolve();
      },
    };
    const started = performance.now();
    const error = await connectWithin(silent, 200).catch((caught: unknown) => caught);
    const took = performance.now() - started;
    assert.ok(error instanceof ConnectTimeout, String(error));
    assert.match(error.message, /^timeout exceeded when trying to connect: no answer after 0\.2 s of waiting/);
    // Wall time may run over on a loaded machine; never under.
    assert.ok(took >= 200 && took < 5_000, `gave up after ${took} ms`);
    assert.ok(ended);
  });

  it('counts only the time the loop was free, and says how long it was held', async () => {
    const silent: Connectable = { connect: () => new Promise(() => undefined), end: () => Promise.resolve() };
    const started = performance.now();
    const waiting = connectWithin(silent, 200).catch((caught: unknown) => caught);
    holdEventLoop(400);
    const error = await waiting;
    assert.ok(performance.now() - started >= 580, 'the held 400 ms were counted as waiting');
    assert.ok(error instanceof ConnectTimeout);
    assert.ok(error.heldMillis >= 350, `held ${error.heldMillis} ms`);
    assert.match(error.message, /the event loop was held \d+\.\d s besides, not counted/);
  });

  it("passes the driver's own error on", async () => {
    const refused: Connectable = {
      connect: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      end: () => Promise.resolve(),
    };
    await assert.rejects(connectWithin(refused, 1_000), { code: 'ECONNREFUSED' });
  });
});
