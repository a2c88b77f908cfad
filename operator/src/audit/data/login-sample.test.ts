/** Which cross-tenant logins an audit tries: every pair of a small fleet, a recorded sample of a large one that covers every pair over runs. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { planLogins } from './login-sample.js';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, '0')}`);
const settings = { rotatingPerTenant: 4, randomPerTenant: 3, intervalSeconds: 600 };
const at = new Date(Date.UTC(2026, 11, 6, 12, 0));
const seed = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const pairsOf = (targets: number[][]): Set<string> => new Set(targets.flatMap((to, from) => to.map((j) => `${from}>${j}`)));

describe('the database login sample', () => {
  it('tries every ordered pair while the fleet is no larger than the per-tenant budget', () => {
    const plan = planLogins(names(10), settings, at, seed);
    assert.equal(plan.sample.method, 'all-pairs');
    assert.equal(pairsOf(plan.targets).size, 90);
    assert.equal(plan.sample.pairsTried, 90);
  });

  it('beyond it, tries for each tenant its two neighbours, the rotation window and the random draws, never itself and never twice', () => {
    const n = 1000;
    const plan = planLogins(names(n), settings, at, seed);
    assert.equal(plan.sample.method, 'sampled');
    assert.equal(plan.sample.pairsTried, n * (2 + 4 + 3));
    assert.equal(plan.sample.pairsTotal, n * (n - 1));
    for (const [i, targets] of plan.targets.entries()) {
      assert.equal(new Set(targets).size, targets.length, `tenant ${i} tries a database twice`);
      assert.ok(!targets.includes(i));
      assert.ok(targets.includes((i + 1) % n) && targets.includes((i + n - 1) % n), `tenant ${i} misses a neighbour`);
    }
  });

  it('covers every ordered pair of an unchanged fleet within the recorded number of intervals', () => {
    const n = 23;
    const covered = new Set<string>();
    const first = planLogins(names(n), settings, at, seed);
    const windows = first.sample.rotation?.windows ?? 0;
    assert.equal(windows, Math.ceil((n - 3) / 4));
    for (let step = 0; step < windows; step += 1) {
      const plan = planLogins(names(n), { ...settings, randomPerTenant: 0 }, new Date(at.getTime() + step * 600_000), seed);
      for (const pair of pairsOf(plan.targets)) covered.add(pair);
    }
    assert.equal(covered.size, n * (n - 1));
  });

  it('records enough to recompute the random draws by the rule it states, and draws anew with a new seed', () => {
    const n = 50;
    const plan = planLogins(names(n), settings, at, seed);
    const fixed = new Set([1, n - 1, ...(plan.sample.rotation?.offsets ?? [])]);
    // The rule as the report states it, written again here rather than imported.
    const redraw = (name: string): number[] => {
      const drawn: number[] = [];
      for (let c = 0; drawn.length < 3; c += 1) {
        const d =
          2 +
          (createHash('sha256')
            .update(`${plan.sample.random?.seed ?? ''}:${name}:${c}`)
            .digest()
            .readUInt32BE(0) %
            (n - 3));
        if (!fixed.has(d) && !drawn.includes(d)) drawn.push(d);
      }
      return drawn;
    };
    for (const [i, name] of names(n).entries()) {
      const expected = [...fixed, ...redraw(name)].map((d) => (i + d) % n);
      assert.deepEqual(plan.targets[i], expected, `tenant ${name}`);
    }
    const other = planLogins(names(n), settings, at, 'ffff0000ffff0000ffff0000ffff0000');
    assert.notDeepEqual(other.targets, plan.targets);
  });
});
