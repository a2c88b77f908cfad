/**
 * What one audit run cost the process that ran it: wall time, the peak resident and heap memory
 * seen while it ran, and the longest stall of the event loop. The stall matters as much as the
 * memory: the operator's audit shares its event loop with the Lease renewals, and a stall longer
 * than the renew deadline loses the lease (docs/decisions/0024).
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
}

const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

export class AuditCostMeter {
  private readonly started = performance.now();
  private last = this.started;
  private peakRss = 0;
  private peakHeap = 0;
  private longestStall = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly sampleMs = 250) {
    this.sample();
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
  }

  private sample(): void {
    const now = performance.now();
    this.longestStall = Math.max(this.longestStall, now - this.last - this.sampleMs);
    this.last = now;
    const { rss, heapUsed } = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakHeap = Math.max(this.peakHeap, heapUsed);
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
