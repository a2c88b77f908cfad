import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createMemoryCgroup, inCgroup, oomKillCount } from './memory-cgroup.js';

describe('a memory cgroup of the chart limit for the bench', () => {
  it('counts the OOM kills both cgroup versions report, and none where the kernel does not count them', () => {
    assert.equal(oomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n'), 3);
    assert.equal(oomKillCount('low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n'), 1);
    assert.equal(oomKillCount('oom_kill_disable 0\nunder_oom 0\n'), 0);
    assert.equal(oomKillCount('oom_group_kill 4\n'), 0);
  });

  it('runs a process inside the group from its first instruction: Node sizes itself by the limit', function () {
    const group = createMemoryCgroup(`bulkhead-test-${process.pid}-${Date.now()}`, 96 * 1048576);
    // The bench measures without the limit where the machine cannot make a group (not root, no
    // memory controller) and says so; this test needs one to show the wrapper works.
    if ('unavailable' in group) return this.skip();
    try {
      const { command, args } = inCgroup(group, process.execPath, ['-e', 'console.log(process.constrainedMemory(), process.pid)']);
      const [limit] = execFileSync(command, args, { encoding: 'utf8' }).trim().split(' ');
      assert.equal(Number(limit), 96 * 1048576);
      assert.ok((group.peakBytes() ?? 0) > 0, 'the group was charged for the process');
      assert.equal(group.oomKills(), 0);
    } finally {
      group.remove();
    }
  });

  it('is what the kernel kills when the process goes over the limit', function () {
    const group = createMemoryCgroup(`bulkhead-test-oom-${process.pid}-${Date.now()}`, 64 * 1048576);
    if ('unavailable' in group) return this.skip(); // as above: no group can be made on this machine
    try {
      // Buffers are outside V8's heap limit, so only the kernel can stop this one.
      const hog = 'const kept = []; for (;;) kept.push(Buffer.alloc(8 * 1048576, 1));';
      const { command, args } = inCgroup(group, process.execPath, ['-e', hog]);
      assert.throws(
        () => execFileSync(command, args, { stdio: 'ignore' }),
        (error: { signal?: string }) => error.signal === 'SIGKILL',
      );
      assert.equal(group.oomKills(), 1);
    } finally {
      group.remove();
    }
  });
});
