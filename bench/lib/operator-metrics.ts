/**
 * What the benchmarks read from a running operator: its own Prometheus counters (requests it sent
 * to kube-apiserver by verb and resource, reconciles, queue depth, V8's used heap) and its resident
 * memory from /proc/<pid>/status.
 */
import { readFileSync } from 'node:fs';

export const writeVerbs = ['POST', 'PUT', 'PATCH', 'DELETE'];

export interface RequestSample {
  verb: string;
  resource: string;
  code: string;
  count: number;
}

export interface OperatorSnapshot {
  requests: RequestSample[];
  /** controller_runtime_reconcile_total for the tenant controller, all results. */
  tenantReconciles: number;
  tenantQueueDepth: number;
  /** process_cpu_seconds_total: user and system CPU the operator has used since it started. */
  cpuSeconds: number;
  /** bulkhead_tenant_step_duration_seconds_sum by step: where the reconciles spent their time. */
  stepSeconds: Record<string, number>;
  /** bulkhead_provider_wait_seconds_sum by provider and operation: time spent waiting for a KMS turn or a connection. */
  providerWaitSeconds: Record<string, number>;
  /** bulkhead_provider_wait_seconds_count by provider, region and operation: the provider requests sent. */
  providerRequests: Record<string, number>;
  /** bulkhead_release_renders_total: `helm template` runs (0 from an operator that does not count them). */
  helmRenders: number;
}

function labelsOf(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

function samples(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  const pattern = new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.eE+-]+)$`, 'gm');
  return [...text.matchAll(pattern)].map((m) => ({ labels: labelsOf(m[1] ?? ''), value: Number(m[2]) }));
}

export async function scrape(metricsUrl: string): Promise<OperatorSnapshot> {
  const text = await (await fetch(metricsUrl)).text();
  const requests = samples(text, 'bulkhead_kube_requests_total').map(({ labels, value }) => ({
    verb: labels.verb ?? '',
    resource: labels.resource ?? '',
    code: labels.code ?? '',
    count: value,
  }));
  const sum = (metric: string, match: (labels: Record<string, string>) => boolean): number =>
    samples(text, metric)
      .filter((s) => match(s.labels))
      .reduce((total, s) => total + s.value, 0);
  return {
    requests,
    tenantReconciles: sum('controller_runtime_reconcile_total', (l) => l.controller === 'tenant'),
    tenantQueueDepth: sum('workqueue_depth', (l) => l.name === 'tenant'),
    cpuSeconds: Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN),
    stepSeconds: sumsBy(samples(text, 'bulkhead_tenant_step_duration_seconds_sum'), (l) => l.step ?? ''),
    providerWaitSeconds: sumsBy(samples(text, 'bulkhead_provider_wait_seconds_sum'), (l) => Object.values(l).join(' ')),
    providerRequests: sumsBy(samples(text, 'bulkhead_provider_wait_seconds_count'), (l) => Object.values(l).join(' ')),
    helmRenders: Number(/^bulkhead_release_renders_total (\S+)$/m.exec(text)?.[1] ?? 0),
  };
}

function sumsBy(found: { labels: Record<string, string>; value: number }[], key: (labels: Record<string, string>) => string) {
  const sums: Record<string, number> = {};
  for (const { labels, value } of found) sums[key(labels)] = Math.round(((sums[key(labels)] ?? 0) + value) * 100) / 100;
  return sums;
}

/** Requests between two snapshots, summed by a key (verb, resource or "verb resource"). */
export function requestDelta(
  before: OperatorSnapshot | undefined,
  after: OperatorSnapshot,
  key: (s: RequestSample) => string,
): Record<string, number> {
  const totals: Record<string, number> = {};
  const add = (s: RequestSample, sign: number): void => {
    totals[key(s)] = (totals[key(s)] ?? 0) + sign * s.count;
  };
  for (const s of after.requests) add(s, 1);
  for (const s of before?.requests ?? []) add(s, -1);
  return Object.fromEntries(Object.entries(totals).filter(([, n]) => n !== 0));
}

export const total = (counts: Record<string, number>, keep: (key: string) => boolean = () => true): number =>
  Object.entries(counts)
    .filter(([k]) => keep(k))
    .reduce((sum, [, n]) => sum + n, 0);

/** V8's used heap in MiB, from the operator's own nodejs_heap_size_used_bytes (prom-client's default metrics). */
export async function heapUsedMiB(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const bytes = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Resident set size of a process in MiB, from /proc (VmRSS). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

/**
 * Where a process's resident memory is, in MiB: VmRSS split into anonymous pages (V8's heap, malloc,
 * native buffers) and file pages (the node binary and its libraries), beside V8's committed and used
 * heap and the native memory V8 knows of (external: Buffers and the like). Anonymous minus the
 * committed heap is what glibc's malloc and native code hold.
 */
export interface MemoryBreakdown {
  rss: number;
  rssAnon: number;
  rssFile: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  /** V8's committed heap by space as prom-client names them (new, old, code, large_object, ...; nodejs_heap_space_size_total_bytes), MiB. */
  heapSpaces: Record<string, number>;
}

export async function memoryBreakdown(pid: number, metricsUrl: string): Promise<MemoryBreakdown> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const text = await (await fetch(metricsUrl)).text();
  const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
  const kib = (field: string): number => mib(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024);
  const metric = (name: string): number => mib(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN));
  return {
    rss: kib('VmRSS'),
    rssAnon: kib('RssAnon'),
    rssFile: kib('RssFile'),
    heapTotal: metric('nodejs_heap_size_total_bytes'),
    heapUsed: metric('nodejs_heap_size_used_bytes'),
    external: metric('nodejs_external_memory_bytes'),
    heapSpaces: Object.fromEntries(
      [...text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)$/gm)].map(([, space = '', bytes]) => [
        space,
        mib(Number(bytes)),
      ]),
    ),
  };
}
