/**
 * What one audit run cost the process that ran it: wall time, the peak resident and heap memory
 * seen while it ran, and the longest stall of the event loop. In `bulkhead audit` the stall is the
 * command's; the operator runs each pass in a child process (docs/decisions/0068), so a pass's
 * stall no longer holds the Lease renewals (docs/decisions/0024), but it says how the pass's
 * requests were served.
 *
 * Memory is sampled every `sampleMs` by a timer, so a peak shorter than that may be missed; the
 * process's lifetime peak (`maxRssMiB`, from the kernel) bounds it from above. A timer that fires
 * late shows the stall: the gap between two samples, less the interval, is how long the loop was busy.
 */

export interface AuditCost {
  seconds: number;
  /** The highest RSS sampled while the audit ran. */
  peakRssMiB: number;
  /** The highest V8 used heap sampled while the audit ran. */
  peakHeapUsedMiB: number;
  /** The process's peak RSS since it started (kernel's maxrss): an upper bound for the audit's. */
  maxRssMiB: number;
  /** The longest time the event loop did not run the sampler beyond its interval. */
  longestStallSeconds: number;
  /** The run's steps as marked (parts done, report built, signed, ...): where the peak was reached. */
  phases?: PhaseCost[];
}

/** One step of a run, from the previous mark to its own: the peaks sampled within it and the heap held at its end. */
export interface PhaseCost {
  phase: string;
  seconds: number;
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  heapUsedAtEndMiB: number;
  /** The longest event-loop stall within the step. */
  longestStallSeconds: number;
}

/** What a run's steps call when they end; the meter records the peaks of the step just ended. */
export interface PhaseMarks {
  mark(phase: string): void;
}

export const noPhaseMarks: PhaseMarks = { mark: () => undefined };

const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

export class AuditCostMeter implements PhaseMarks {
  private readonly started = performance.now();
  private last = this.started;
  private peakRss = 0;
  private peakHeap = 0;
  private longestStall = 0;
  private readonly phases: PhaseCost[] = [];
  private phase = { started: this.started, peakRss: 0, peakHeap: 0, longestStall: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly sampleMs = 250) {
    this.sample();
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
  }

  private sample(): number {
    const now = performance.now();
    const stall = now - this.last - this.sampleMs;
    this.longestStall = Math.max(this.longestStall, stall);
    this.phase.longestStall = Math.max(this.phase.longestStall, stall);
    this.last = now;
    const { rss, heapUsed } = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakHeap = Math.max(this.peakHeap, heapUsed);
    this.phase.peakRss = Math.max(this.phase.peakRss, rss);
    this.phase.peakHeap = Math.max(this.phase.peakHeap, heapUsed);
    return heapUsed;
  }

  /** Ends the current step under `phase`'s name, starts the next, and returns what the step cost. */
  mark(phase: string): PhaseCost {
    const heapUsed = this.sample();
    const now = performance.now();
    const { started, peakRss, peakHeap, longestStall } = this.phase;
    const step = {
      phase,
      seconds: Math.round(now - started) / 1000,
      peakRssMiB: mib(peakRss),
      peakHeapUsedMiB: mib(peakHeap),
      heapUsedAtEndMiB: mib(heapUsed),
      longestStallSeconds: Math.max(0, Math.round(longestStall)) / 1000,
    };
    this.phases.push(step);
    this.phase = { started: now, peakRss: 0, peakHeap: 0, longestStall: 0 };
    return step;
  }

  /** Stops sampling and returns the cost so far. */
  stop(): AuditCost {
    this.sample();
    clearInterval(this.timer);
    return {
      seconds: Math.round(performance.now() - this.started) / 1000,
      peakRssMiB: mib(this.peakRss),
      peakHeapUsedMiB: mib(this.peakHeap),
      maxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
      longestStallSeconds: Math.max(0, Math.round(this.longestStall)) / 1000,
      ...(this.phases.length > 0 ? { phases: [...this.phases] } : {}),
    };
  }
}

/** One line for a terminal: `412 tenants audited in 38.2 s, peak RSS 301.4 MiB (heap 180.2 MiB), longest event-loop stall 0.41 s`. */
export function describeCost(tenants: number, cost: AuditCost): string {
  return (
    `${tenants} tenants audited in ${cost.seconds} s, peak RSS ${cost.peakRssMiB} MiB (heap ${cost.peakHeapUsedMiB} MiB, ` +
    `process peak ${cost.maxRssMiB} MiB), longest event-loop stall ${cost.longestStallSeconds} s`
  );
}

/** The steps of a run on one line: `network.analysis 80.1 s (peak RSS 301.4 MiB, heap 180.2 MiB, 95.0 held at its end); …`. */
export function describePhases(cost: AuditCost): string {
  return (cost.phases ?? [])
    .map(
      (step) =>
        `${step.phase} ${step.seconds} s (peak RSS ${step.peakRssMiB} MiB, heap ${step.peakHeapUsedMiB} MiB, ${step.heapUsedAtEndMiB} held at its end, ` +
        `longest stall ${step.longestStallSeconds} s)`,
    )
    .join('; ');
}
