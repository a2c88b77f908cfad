/**
 * `bulkhead audit network --manifests DIR --probe tcp/80 [--probe udp/53 ...] [--assume NAME=BOOL ...]
 * [-o json|yaml|text]`: the offline NetworkPolicy reachability analysis an auditor can run on
 * exported manifests. JSON is `{"assumptions": {...}, "flows": [{from, to, protocol, port, allowed}]}`.
 * Exit 0 on success, 2 on bad input with a message naming the flag or file.
 */
import { analyze, formatProbe, loadManifestDirectory, type AnalysisResult, type Probe } from '../audit/network/index.js';
import type { AuditNetworkRequest } from './audit-commands.js';
import { errorMessage, UsageError } from './exit-codes.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';

export async function runAuditNetwork(request: AuditNetworkRequest, { io }: CommandContext): Promise<number> {
  let result: AnalysisResult;
  try {
    const cluster = await loadManifestDirectory(request.manifests);
    result = analyze(cluster, request.probes, request.assumptions);
  } catch (error) {
    // Every failure here is bad input: the directory, a file or a document in it.
    throw new UsageError(`--manifests ${request.manifests}: ${errorMessage(error)}`, { cause: error });
  }
  io.stdout.write(render(request.output, result, () => formatText(result, request.probes)));
  return 0;
}

/** A readable table: the assumptions first, then one row per flow. */
export function formatText(result: AnalysisResult, probes: readonly Probe[]): string {
  const lines = ['Assumptions (undefined by the NetworkPolicy specification; defaults are the worst case for isolation):'];
  for (const [name, value] of Object.entries(result.assumptions)) lines.push(`  ${name}: ${String(value)}`);
  lines.push('', `Probes: ${probes.map(formatProbe).join(', ')}`, '');
  const rows = result.flows.map((flow) => [
    flow.from,
    flow.to,
    `${flow.protocol.toLowerCase()}/${flow.port}`,
    flow.allowed ? 'allowed' : 'denied',
  ]);
  const table = [['FROM', 'TO', 'PROBE', 'VERDICT'], ...rows];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]?.length ?? 0)));
  for (const row of table)
    lines.push(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  const allowed = result.flows.filter((flow) => flow.allowed).length;
  lines.push('', `${allowed} of ${result.flows.length} flows allowed`);
  return `${lines.join('\n')}\n`;
}
