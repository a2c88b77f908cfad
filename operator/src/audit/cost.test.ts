/** The audit's cost meter: the steps a run marks, each with the peaks sampled within it. */
import assert from 'node:assert/strict';
import { AuditCostMeter, describePhases } from './cost.js';

describe('the audit cost meter', () => {
  it('records each marked step in order, with its peaks and the heap held at its end', async () => {
    const meter = new AuditCostMeter(5);
    let held: number[] | undefined = Array.from({ length: 200_000 }, (_, i) => i);
    await new Promise((resolve) => setTimeout(resolve, 20));
    meter.mark('parts');
    held = undefined;
    meter.mark('report built');
    const cost = meter.stop();
    assert.equal(held, undefined);
    assert.deepEqual(
      cost.phases?.map((phase) => phase.phase),
      ['parts', 'report built'],
    );
    for (const phase of cost.phases ?? []) {
      assert.ok(phase.peakRssMiB > 0 && phase.peakHeapUsedMiB > 0 && phase.heapUsedAtEndMiB > 0, JSON.stringify(phase));
      assert.ok(phase.peakHeapUsedMiB <= cost.peakHeapUsedMiB, 'a step peaks no higher than the run');
    }
    assert.match(
      describePhases(cost),
      /^parts [\d.]+ s \(peak RSS [\d.]+ MiB, heap [\d.]+ MiB, [\d.]+ held at its end, longest stall [\d.]+ s\); report built /,
    );
  });

  it('has no steps when none was marked', () => {
    assert.equal(new AuditCostMeter().stop().phases, undefined);
  });
});
