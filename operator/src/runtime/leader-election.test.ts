import assert from 'node:assert/strict';
import { LeadershipNotConfirmed } from './fence.js';
import { ConflictError, LeaderElector, type LeaderElectionRecord, type LeaseLock } from './leader-election.js';
import { createLogger } from './logging.js';
import { eventually } from './testing.js';

/** One Lease, as the API server would keep it: a record and a resourceVersion bumped on each write. */
class SharedLease {
  record: LeaderElectionRecord | undefined;
  resourceVersion = 0;
  readonly holders: string[] = [];

  write(record: LeaderElectionRecord): void {
    this.record = { ...record };
    this.resourceVersion += 1;
    if (this.holders.at(-1) !== record.holderIdentity) this.holders.push(record.holderIdentity);
  }
}

/**
 * One candidate's view of the Lease; `partitioned` makes every call fail, as a lost network would,
 * and `hanging` makes every call wait, as a stuck connection would, until it is set false again.
 */
class MemoryLock implements LeaseLock {
  partitioned = false;
  /** How many reads this candidate sent. */
  gets = 0;
  private gate: Promise<void> | undefined;
  private openGate = (): void => undefined;

  /** While true every call waits; setting it false lets the waiting calls go on (so a test can stop its candidates). */
  set hanging(value: boolean) {
    if (value && !this.gate) this.gate = new Promise((resolve) => (this.openGate = resolve));
    if (!value) {
      this.openGate();
      this.gate = undefined;
    }
  }

  constructor(private readonly lease: SharedLease) {}

  get(): Promise<{ record: LeaderElectionRecord; resourceVersion: string } | undefined> {
    return this.call(() => {
      this.gets += 1;
      const { record, resourceVersion } = this.lease;
      return record ? { record: { ...record }, resourceVersion: String(resourceVersion) } : undefined;
    });
  }

  create(record: LeaderElectionRecord): Promise<string> {
    return this.call(() => {
      if (this.lease.record) throw new ConflictError('lease already exists');
      this.lease.write(record);
      return String(this.lease.resourceVersion);
    });
  }

  update(record: LeaderElectionRecord, resourceVersion: string): Promise<string> {
    return this.call(() => {
      if (resourceVersion !== String(this.lease.resourceVersion)) throw new ConflictError('stale resourceVersion');
      this.lease.write(record);
      return String(this.lease.resourceVersion);
    });
  }

  describe(): string {
    return 'test/lease';
  }

  private async call<T>(operation: () => T): Promise<T> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.gate) await this.gate;
    if (this.partitioned) throw new Error('connection refused');
    return operation();
  }
}

interface Candidate {
  elector: LeaderElector;
  lock: MemoryLock;
  stop: AbortController;
  done: Promise<void>;
  leaders: string[];
}

describe('LeaderElector', () => {
  const logger = createLogger({ silent: true });
  let lease: SharedLease;
  let events: string[];
  let candidates: Candidate[];

  /** Starts a candidate whose leading work lasts until its leadership signal aborts. */
  function campaign(identity: string, timings: { leaseDurationMs: number; renewDeadlineMs: number }): Candidate {
    const lock = new MemoryLock(lease);
    const stop = new AbortController();
    const leaders: string[] = [];
    const elector = new LeaderElector({
      lock,
      identity,
      ...timings,
      retryPeriodMs: 20,
      logger,
      onStartedLeading: async (signal) => {
        events.push(`${identity} started`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        await new Promise((resolve) => setTimeout(resolve, 10)); // winding down takes a moment
        events.push(`${identity} work done`);
      },
      onStoppedLeading: () => events.push(`${identity} stopped`),
      onNewLeader: (leader) => leaders.push(leader),
    });
    const candidate = { elector, lock, stop, done: elector.run(stop.signal), leaders };
    candidates.push(candidate);
    return candidate;
  }

  beforeEach(() => {
    lease = new SharedLease();
    events = [];
    candidates = [];
  });

  afterEach(async () => {
    for (const { stop } of candidates) stop.abort();
    await Promise.all(candidates.map(({ done }) => done));
  });

  it('lets only one of two candidates lead', async () => {
    // Wide enough that a starved event loop (a CPU-bound neighbour, load 25) never makes the leader
    // miss its own renew deadline between two samples: with 300/200 ms it once did, and no one led.
    const timings = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000 };
    const a = campaign('a', timings);
    const b = campaign('b', timings);
    await eventually(() => assert.equal([a, b].filter((c) => c.elector.isLeader()).length, 1));
    const leader = a.elector.isLeader() ? 'a' : 'b';
    for (let sample = 0; sample < 10; sample += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(
        [a, b].filter((c) => c.elector.isLeader()).map((c) => c.elector.getLeader()),
        [leader],
      );
    }
    await eventually(() => assert.deepEqual([a.leaders, b.leaders], [[leader], [leader]]));
    assert.deepEqual(lease.holders, [leader]);
  });

  it('hands over to the other candidate after the lease duration when the leader stops renewing', async () => {
    const timings = { leaseDurationMs: 300, renewDeadlineMs: 100 };
    const a = campaign('a', timings);
    await eventually(() => assert.equal(a.elector.isLeader(), true));
    const b = campaign('b', timings);
    await eventually(() => assert.deepEqual(b.leaders, ['a']));
    a.lock.partitioned = true;
    await eventually(() => assert.equal(b.elector.isLeader(), true));
    await a.done;
    assert.equal(a.elector.isLeader(), false);
    // The old leader gave up (renewDeadline) before the new one started (leaseDuration).
    assert.ok(events.indexOf('a stopped') < events.indexOf('b started'), events.join(', '));
    assert.equal(lease.record?.holderIdentity, 'b');
    assert.equal(lease.record?.leaderTransitions, 1);
  });

  it('releases the lease on shutdown once the leading work is done, so the other takes over at once', async () => {
    // A renew deadline far above any event-loop stall: with 100 ms a loaded machine (load 25) once
    // made `a` miss its own renewal and step down before the stop, which is not what this tests.
    const timings = { leaseDurationMs: 60_000, renewDeadlineMs: 10_000 };
    const a = campaign('a', timings);
    await eventually(() => assert.equal(a.elector.isLeader(), true));
    const b = campaign('b', timings);
    await eventually(() => assert.deepEqual(b.leaders, ['a']));
    a.stop.abort();
    await a.done;
    assert.deepEqual(events, ['a started', 'a work done', 'a stopped']);
    assert.equal(lease.record?.holderIdentity, '', 'released before run() resolved');
    await eventually(() => assert.equal(b.elector.isLeader(), true));
    assert.deepEqual(lease.holders, ['a', '', 'b']);
  });

  it('renews with one write and no read while it leads, and reads again once someone else wrote the Lease', async () => {
    const timings = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000 };
    const a = campaign('a', timings);
    await eventually(() => assert.equal(a.elector.isLeader(), true));
    const reads = a.lock.gets;
    const written = lease.resourceVersion;
    // Generous waits: on a starved CPU (load 25) 20 ms renewals come seconds apart.
    await eventually(() => assert.ok(lease.resourceVersion >= written + 3, `renewals: ${lease.resourceVersion - written}`), 10_000);
    assert.equal(a.lock.gets, reads, 'a renewal over its own last write reads nothing');
    // A foreign write that keeps `a` as holder (an annotation, say): the next renewal conflicts,
    // falls back to a read, and renews over the new version.
    lease.write({ ...lease.record! });
    const foreign = lease.resourceVersion;
    await eventually(() => assert.ok(lease.resourceVersion > foreign && a.lock.gets > reads), 10_000);
    assert.equal(a.elector.isLeader(), true);
    assert.equal(lease.record?.holderIdentity, 'a');
  });

  it('refuses timings where a stalled leader could overlap its successor', () => {
    const options = { lock: new MemoryLock(new SharedLease()), identity: 'a', logger, onStartedLeading: () => undefined };
    assert.throws(() => new LeaderElector({ ...options, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDurationMs/);
    assert.throws(() => new LeaderElector({ ...options, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadlineMs/);
  });

  describe('as the leadership fence', () => {
    // Wide enough that a busy machine's event-loop lag never looks like a missed renewal.
    const timings = { leaseDurationMs: 1_500, renewDeadlineMs: 500 };
    const refused =
      (why: RegExp) =>
      (error: unknown): boolean =>
        error instanceof LeadershipNotConfirmed && why.test(error.message);

    async function leader(): Promise<Candidate> {
      const a = campaign('a', timings);
      await eventually(() => assert.equal(a.elector.isLeader(), true));
      return a;
    }

    it('confirms while it leads and the Lease names it', async () => {
      const a = await leader();
      await a.elector.confirm('dropping a database');
    });

    it('refuses once the Lease names another holder, before its own leadership signal has told it', async () => {
      const a = await leader();
      const record = lease.record!;
      lease.write({ ...record, holderIdentity: 'b' });
      assert.equal(a.elector.isLeader(), true, 'the elector noticed before the fence was asked');
      await assert.rejects(a.elector.confirm('dropping a database'), refused(/dropping a database.*held by b/));
    });

    it('refuses on waking from a freeze longer than the renew deadline, before any of its timers has run', async () => {
      const a = await leader();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, timings.renewDeadlineMs + 50); // the process is frozen
      const confirmation = a.elector.confirm('scheduling a key deletion');
      assert.equal(a.elector.isLeader(), true, 'a timer ran before the fence was asked');
      await assert.rejects(confirmation, refused(/past the renew deadline/));
    });

    it('refuses when the Lease cannot be read within the renew deadline', async () => {
      const a = await leader();
      a.lock.hanging = true;
      await assert.rejects(a.elector.confirm('deleting a namespace'), refused(/could not be read within the renew deadline/));
      // The connection recovers, so the candidate can renew or release and stop (afterEach waits for it).
      a.lock.hanging = false;
    });

    it('refuses when it is not the leader', async () => {
      await leader();
      const b = campaign('b', timings);
      await eventually(() => assert.deepEqual(b.leaders, ['a']));
      await assert.rejects(b.elector.confirm('dropping a database'), refused(/not leading/));
    });
  });
});
