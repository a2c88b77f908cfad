/**
 * What signing and writing a report of N tenants costs in memory, apart from the audit that
 * gathers it (docs/decisions/0039): from a report written by `make bench-audit` (TEMPLATE), a
 * report of N tenants is made by repeating its tenants' checks and building the full N×N
 * reachability matrix; then, in this fresh process, it is signed and written to a file as the CLI
 * did (`old`: signReport + serializeReport, each a whole string and its bytes), as the operator did
 * (`old-operator`: the same a piece at a time), or as both do now (`new`: signReportFile, one
 * canonical text in chunks, the signature put into the same buffer). Prints the RSS with the
 * report built, and the process's peak RSS after writing.
 *
 *   node --expose-gc --import tsx bench/audit-report-memory.ts TEMPLATE N old|old-operator|new OUT
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import {
  serializeReport,
  serializeReportYielding,
  signReport,
  signReportFile,
  signReportYielding,
  type UnsignedReport,
} from '../operator/src/audit/report/index.js';
import { scaledReport } from './lib/scaled-report.js';

const [template, size, how, out] = process.argv.slice(2);
const n = Number(size);
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

const report = scaledReport(JSON.parse(readFileSync(template ?? '', 'utf8')) as UnsignedReport, n);
const { privateKey } = generateKeyPairSync('ed25519');
globalThis.gc?.();
const built = process.memoryUsage();
const peakBefore = process.resourceUsage().maxRSS * 1024;
const started = performance.now();
if (how === 'old') writeFileSync(out ?? '', serializeReport(signReport(report, privateKey)));
else if (how === 'old-operator') writeFileSync(out ?? '', await serializeReportYielding(await signReportYielding(report, privateKey)));
else {
  writeFileSync(out ?? '', (await signReportFile(report, privateKey)).bytes);
}
const seconds = (performance.now() - started) / 1000;
const peak = process.resourceUsage().maxRSS * 1024;
console.log(
  `${n} tenants, ${how}: report built: RSS ${mib(built.rss)} MiB (heap ${mib(built.heapUsed)}), peak before writing ${mib(peakBefore)} MiB; ` +
    `peak after signing and writing ${mib(peak)} MiB (+${mib(peak - built.rss)} over the built report); ${seconds.toFixed(1)} s; file ${mib(statSync(out ?? '').size)} MiB`,
);
