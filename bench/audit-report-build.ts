/**
 * What building and signing the audit's report of N tenants costs, apart from the audit that
 * gathers its parts (docs/decisions/0051): from a report written by `make bench-audit` (TEMPLATE),
 * the parts of a report of N tenants (bench/lib/scaled-report.ts), their heap once built, then
 * in this fresh process the report built and signed as the operator does (`buildReportYielding`
 * where it exists, `signReportFile`), with the longest event-loop stall and the peak RSS of each
 * step. BUILD_FROM=<worktree> takes build.ts and signing.ts from another checkout (main's, to compare).
 *
 *   node --expose-gc --import tsx bench/audit-report-build.ts TEMPLATE N
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditCostMeter } from '../operator/src/audit/cost.js';
import type { ReportParts, UnsignedReport } from '../operator/src/audit/report/index.js';
import { scaledParts } from './lib/scaled-report.js';

const [template, size] = process.argv.slice(2);
const n = Number(size);
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const collect = (): NodeJS.MemoryUsage => {
  globalThis.gc?.();
  return process.memoryUsage();
};

type Build = (parts: ReportParts) => UnsignedReport | Promise<UnsignedReport>;
type SignFile = (report: UnsignedReport, key: KeyObject) => Promise<{ bytes: Buffer }>;
const buildFrom = process.env.BUILD_FROM || undefined;
const tree = buildFrom ?? join(import.meta.dirname, '..');
const builders = (await import(join(tree, 'operator/src/audit/report/build.ts'))) as Record<string, Build | undefined>;
const build = builders.buildReportYielding ?? builders.buildReport;
const { signReportFile } = (await import(join(tree, 'operator/src/audit/report/signing.ts'))) as { signReportFile: SignFile };
if (!build) throw new Error(`no buildReport in ${tree}`);

const empty = collect();
let parts: ReportParts | undefined = scaledParts(JSON.parse(readFileSync(template ?? '', 'utf8')) as UnsignedReport, n);
const withParts = collect();
const perTenant = (withParts.heapUsed - empty.heapUsed) / n;
console.log(
  `${n} tenants: parts ${mib(withParts.heapUsed - empty.heapUsed)} MiB of heap (${(perTenant / 1024).toFixed(1)} KiB per tenant; ` +
    `${parts.checks.length} checks, ${parts.matrix?.cells.length ?? 0} matrix cells, ${parts.inputs.length} inputs); RSS ${mib(withParts.rss)} MiB`,
);

async function step<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  const before = process.resourceUsage().maxRSS * 1024;
  const meter = new AuditCostMeter(10);
  const result = await run();
  const cost = meter.stop();
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `   ${name}: ${cost.seconds} s, longest stall ${cost.longestStallSeconds} s, peak heap sampled ${cost.peakHeapUsedMiB} MiB, ` +
      `process peak RSS ${mib(peak)} MiB (${peak > before ? `+${mib(peak - before)}` : 'not raised'})`,
  );
  return result;
}

const report = await step(`build (${buildFrom ? `from ${buildFrom}` : 'this tree'})`, () => build(parts as ReportParts));
parts = undefined;
console.log(`   report held: heap ${mib(collect().heapUsed - empty.heapUsed)} MiB over the empty process`);
const { privateKey } = generateKeyPairSync('ed25519');
const file = await step('sign and write (signReportFile)', () => signReportFile(report, privateKey));
console.log(`   file ${mib(file.bytes.length)} MiB; process peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`);
// What of the file grows with the square of the fleet: the matrix, and evidence naming every other tenant.
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');
const byCheck = new Map<string, number>();
for (const check of report.checks) byCheck.set(check.id, (byCheck.get(check.id) ?? 0) + bytesOf(check));
const largest = [...byCheck].sort((a, b) => b[1] - a[1]).slice(0, 6);
console.log(
  `   of the file: matrix ${mib(bytesOf(report.matrix))} MiB (${report.matrix?.cells.length ?? 0} cells listed), inputs ${mib(bytesOf(report.inputs))} MiB, ` +
    `checks ${mib(bytesOf(report.checks))} MiB, the largest by id: ${largest.map(([id, bytes]) => `${id} ${mib(bytes)}`).join(', ')}`,
);
