import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Backoff } from './backoff.js';
import { Informer, type EventHandler } from './informer.js';
import { createLogger } from './logging.js';
import type { KubeObject, ListOptions, ListPage, ListerWatcher, WatchEvent, WatchOptions } from './types.js';
import { eventually } from './testing.js';

interface Thing extends KubeObject {
  data?: string;
}

interface WatchSession {
  options: WatchOptions;
  signal: AbortSignal;
  emit(event: WatchEvent<Thing>): void;
  end(): void;
  fail(error: unknown): void;
}

/** An API server's list and watch for one kind, in memory: pages by offset, watches on demand. */
class MemoryListerWatcher implements ListerWatcher<Thing> {
  readonly objects = new Map<string, Thing>();
  readonly lists: ListOptions[] = [];
  readonly watches: WatchSession[] = [];
  resourceVersion = 10;
  failNextList: Error | undefined;

  put(name: string, data = ''): Thing {
    this.resourceVersion += 1;
    const object = { metadata: { name, resourceVersion: String(this.resourceVersion) }, data };
    this.objects.set(name, object);
    return object;
  }

  list(options: ListOptions): Promise<ListPage<Thing>> {
    this.lists.push(options);
    const failure = this.failNextList;
    this.failNextList = undefined;
    if (failure) return Promise.reject(failure);
    const all = [...this.objects.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const start = options.continue ? Number(options.continue) : 0;
    const end = start + options.limit;
    const page = { items: all.slice(start, end), resourceVersion: String(this.resourceVersion) };
    return Promise.resolve(end < all.length ? { ...page, continue: String(end) } : page);
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent<Thing>) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.watches.push({ options, signal, emit: onEvent, end: resolve, fail: reject });
      signal.addEventListener('abort', () => reject(new Error('watch aborted')), { once: true });
    });
  }

  /** The watch open now (the last one started). */
  current(): WatchSession {
    const session = this.watches.at(-1);
    assert.ok(session, 'no watch has been started');
    return session;
  }
}

/** Records what handlers were told, as short strings. */
function recorder(): { events: string[]; handler: EventHandler<Thing> } {
  const events: string[] = [];
  return {
    events,
    handler: {
      onAdd: (object) => events.push(`add ${object.metadata.name}`),
      onUpdate: (old, object) => events.push(`update ${old.metadata.name} ${old.data} -> ${object.data}`),
      onDelete: (object) => events.push(`delete ${object.metadata.name}`),
    },
  };
}

/** A backoff that answers 1 ms and remembers how it was used. */
class RecordingBackoff extends Backoff {
  delays = 0;
  resets = 0;

  override next(): number {
    this.delays += 1;
    return 1;
  }

  override reset(): void {
    this.resets += 1;
  }
}

describe('Informer', () => {
  const logger = createLogger({ silent: true });
  let server: MemoryListerWatcher;
  let backoff: RecordingBackoff;
  let informer: Informer<Thing>;

  function startInformer(options: { pageSize?: number; stallTimeoutMs?: number; logs?: PassThrough } = {}): Informer<Thing> {
    informer = new Informer({
      name: 'things',
      listerWatcher: server,
      logger: options.logs ? createLogger({ stream: options.logs }) : logger,
      backoff,
      pageSize: options.pageSize ?? 500,
      stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
    });
    return informer;
  }

  beforeEach(() => {
    server = new MemoryListerWatcher();
    backoff = new RecordingBackoff();
  });

  afterEach(async () => {
    await informer.stop();
  });

  it('lists in pages and then watches from the list’s resourceVersion', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) server.put(name);
    const { events, handler } = recorder();
    startInformer({ pageSize: 2 }).addEventHandler(handler);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(server.lists, [{ limit: 2 }, { limit: 2, continue: '2' }, { limit: 2, continue: '4' }]);
    assert.equal(informer.store.size, 5);
    assert.deepEqual(events, ['add a', 'add b', 'add c', 'add d', 'add e']);
    await eventually(() => assert.equal(server.watches.length, 1));
    assert.equal(server.current().options.resourceVersion, '15');
    assert.equal(server.current().options.allowWatchBookmarks, true);
  });

  it('keeps the cache in step with watch events and tells the handlers', async () => {
    server.put('a', 'one');
    const { events, handler } = recorder();
    startInformer().addEventHandler(handler);
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().emit({ type: 'MODIFIED', object: { ...server.put('a', 'two') } });
    server.current().emit({ type: 'ADDED', object: server.put('b') });
    server.current().emit({ type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '20' } } });
    assert.deepEqual(events, ['add a', 'update a one -> two', 'add b', 'delete a']);
    assert.deepEqual(informer.store.listKeys(), ['b']);
    assert.equal(informer.lastSyncResourceVersion(), '20');
  });

  it('advances the resourceVersion on a bookmark without calling handlers', async () => {
    server.put('a');
    const { events, handler } = recorder();
    startInformer().addEventHandler(handler);
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().emit({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '42' } } });
    assert.equal(informer.lastSyncResourceVersion(), '42');
    assert.deepEqual(events, ['add a']);
    server.current().end();
    await eventually(() => assert.equal(server.watches.length, 2));
    assert.equal(server.current().options.resourceVersion, '42', 'the next watch resumes from the bookmark');
    assert.equal(server.lists.length, 1, 'a watch that ends cleanly is resumed, not relisted');
    assert.equal(backoff.delays, 0, 'and without waiting');
  });

  it('relists on 410 Gone, turning what changed meanwhile into a delete and an update', async () => {
    server.put('a', 'one');
    server.put('b');
    server.put('c');
    const { events, handler } = recorder();
    startInformer().addEventHandler(handler);
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    // Changes the informer missed, e.g. while disconnected for longer than etcd keeps history.
    server.objects.delete('b');
    server.put('a', 'two');
    server.current().emit({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version' } });
    await eventually(() => assert.equal(server.watches.length, 2));
    assert.equal(server.lists.length, 2);
    assert.deepEqual(events, ['add a', 'add b', 'add c', 'update a one -> two', 'delete b']);
    assert.deepEqual(informer.store.listKeys().sort(), ['a', 'c']);
    assert.equal(server.current().options.resourceVersion, String(server.resourceVersion));
  });

  it('tells handlers which adds came with the initial list and which are new', async () => {
    server.put('listed');
    const adds: string[] = [];
    const flagging: EventHandler<Thing> = {
      onAdd: (object, initial) => adds.push(`${object.metadata.name} ${initial ? 'initial' : 'new'}`),
    };
    startInformer().addEventHandler(flagging);
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().emit({ type: 'ADDED', object: server.put('watched') });
    // Created while the watch was down: the relist is the first the informer hears of it.
    server.put('missed');
    server.current().emit({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version' } });
    await eventually(() => assert.equal(server.watches.length, 2));
    informer.addEventHandler({
      onAdd: (object, initial) => adds.push(`late handler: ${object.metadata.name} ${initial ? 'initial' : 'new'}`),
    });
    assert.deepEqual(adds, [
      'listed initial',
      'watched new',
      'missed new',
      'late handler: listed initial',
      'late handler: missed initial',
      'late handler: watched initial',
    ]);
  });

  it('reconnects with backoff after a watch error, from the same resourceVersion', async () => {
    server.put('a');
    startInformer();
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().fail(new Error('connection reset by peer'));
    await eventually(() => assert.equal(server.watches.length, 2));
    assert.equal(backoff.delays, 1);
    assert.equal(server.lists.length, 1);
    assert.equal(server.watches[1]?.options.resourceVersion, server.watches[0]?.options.resourceVersion);
  });

  it('resets the backoff after a watch that delivered events', async () => {
    startInformer();
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().emit({ type: 'ADDED', object: server.put('a') });
    server.current().fail(new Error('connection reset by peer'));
    await eventually(() => assert.equal(server.watches.length, 2));
    assert.equal(backoff.resets, 1);
  });

  it('retries a failed list with backoff before it reports synced', async () => {
    server.put('a');
    server.failNextList = Object.assign(new Error('service unavailable'), { code: 503 });
    startInformer();
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.equal(server.lists.length, 2);
    assert.equal(backoff.delays, 1);
  });

  it('restarts a watch that stays silent past the stall timeout', async () => {
    startInformer({ stallTimeoutMs: 40 });
    informer.start();
    await eventually(() => assert.equal(server.watches.length >= 2, true));
    assert.equal(server.watches[0]?.signal.aborted, true);
    assert.equal(server.lists.length, 1);
  });

  it('asks the server to end watches before the stall watchdog would', async () => {
    startInformer({ stallTimeoutMs: 300_000 });
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    const { timeoutSeconds } = server.current().options;
    assert.ok(timeoutSeconds >= 240 && timeoutSeconds < 300, `timeoutSeconds ${timeoutSeconds}`);
  });

  it('keeps delivering events to every handler when one throws or rejects', async () => {
    const logs = new PassThrough();
    const lines: string[] = [];
    logs.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const { events, handler } = recorder();
    startInformer({ logs });
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    informer.addEventHandler({ onAdd: () => Promise.reject(new Error('async handler bug')) as unknown as void });
    informer.addEventHandler(handler);
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().emit({ type: 'ADDED', object: server.put('a') });
    server.current().emit({ type: 'ADDED', object: server.put('b') });
    assert.deepEqual(events, ['add a', 'add b']);
    await eventually(() => assert.equal(lines.filter((line) => line.includes('Event handler failed')).length, 4));
  });

  it('tells a handler added after the sync about every cached object', async () => {
    server.put('a');
    server.put('b');
    startInformer();
    informer.start();
    await informer.waitForSync();
    const { events, handler } = recorder();
    informer.addEventHandler(handler);
    assert.deepEqual(events, ['add a', 'add b']);
  });

  it('aborts the open watch on stop and resolves', async () => {
    startInformer();
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    await informer.stop();
    assert.equal(server.current().signal.aborted, true);
    assert.equal(server.watches.length, 1, 'no watch is started after stop');
  });

  it('answers waitForSync with false when stopped before the first list', async () => {
    server.failNextList = new Error('forbidden');
    backoff.next = () => 60_000;
    startInformer();
    informer.start();
    const synced = informer.waitForSync();
    await eventually(() => assert.equal(server.lists.length, 1));
    await informer.stop();
    assert.equal(await synced, false);
  });

  it('drops managedFields, and what its transform drops, before the cache and the handlers see an object', async () => {
    const managed = (object: Thing): Thing => ({
      ...object,
      metadata: { ...object.metadata, managedFields: [{ manager: 'kubectl', fieldsV1: {} }] } as Thing['metadata'],
    });
    const listed = managed(server.put('a', 'listed'));
    server.objects.set('a', listed);
    const seen: Thing[] = [];
    informer = new Informer<Thing>({
      name: 'things',
      listerWatcher: server,
      logger,
      backoff,
      transform: (object) => ({ ...object, data: object.data?.toUpperCase() }),
    });
    informer.addEventHandler({ onAdd: (object) => seen.push(object), onUpdate: (_, object) => seen.push(object) });
    informer.start();
    await eventually(() => assert.equal(server.watches.length, 1));
    server.current().emit({ type: 'MODIFIED', object: managed(server.put('a', 'watched')) });
    await eventually(() => assert.equal(informer.store.get('a')?.data, 'WATCHED'));
    assert.deepEqual(
      seen.map((object) => object.data),
      ['LISTED', 'WATCHED'],
    );
    for (const object of [...seen, informer.store.get('a')]) assert.equal(object && 'managedFields' in object.metadata, false);
    assert.equal('managedFields' in listed.metadata, true, 'the listed object itself is not modified');
  });
});
