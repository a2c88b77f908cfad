/**
 * What reading the signer of a published audit report costs the operator's periodic audit, which
 * does it before every run to join the next report to the chain: the whole report parsed and
 * validated (parseReport, as before) against only its `format` and `signature` members
 * (top-level-members.ts, as now). Prints the synchronous time (an event-loop stall beside the
 * Lease renewals) and the heap and RSS before and after.
 *
 *   node --expose-gc --import tsx bench/audit-chain-join.ts REPORT.json full|members
 *
 * REPORT.json: a signed report, e.g. the `published-report.json` `make bench` keeps beside a
 * BENCH_AUDIT=1 run's environment.
 */
import { readFileSync } from 'node:fs';
import { parseReport } from '../operator/src/audit/report/index.js';
import { parseMember, topLevelMembers } from '../operator/src/audit/report/top-level-members.js';

const [file, way] = process.argv.slice(2);
if (!file || (way !== 'full' && way !== 'members')) throw new Error('usage: audit-chain-join.ts REPORT.json full|members');
const bytes = readFileSync(file);
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function signer(): string {
  if (way === 'full') return parseReport(bytes).signature.keyId;
  const signature = topLevelMembers(bytes, ['format', 'signature']).get('signature');
  if (!signature) throw new Error(`${file} has no signature`);
  return (parseMember(signature) as { keyId: string }).keyId;
}

global.gc?.();
const before = process.memoryUsage();
const started = process.hrtime.bigint();
const keyId = signer();
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const after = process.memoryUsage();
console.log(
  `${way}: ${mib(bytes.length)} MiB report, ${ms.toFixed(0)} ms synchronous, heap used ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} MiB, ` +
    `RSS ${mib(before.rss)} -> ${mib(after.rss)} MiB, signed by ${keyId.slice(0, 12)}`,
);
