/**
 * `bulkhead audit network --manifests DIR --probe tcp/80 [--probe udp/53 ...] [--assume NAME=BOOL ...]
 * [--format json|text]`: the offline NetworkPolicy reachability analysis an auditor can run on
 * exported manifests. JSON is `{"assumptions": {...}, "flows": [{from, to, protocol, port, allowed}]}`.
 * Exit 0 on success, 2 on bad input with a message naming the flag or file.
 */
import { parseArgs } from 'node:util';
import {
  analyze,
  assumptionsFrom,
  formatProbe,
  loadManifestDirectory,
  parseProbe,
  type AnalysisResult,
  type Probe,
} from '../audit/network/index.js';
import { errorMessage } from '../runtime/errors.js';

export const auditNetworkUsage = `usage: bulkhead audit network --manifests DIR --probe PROTOCOL/PORT [--probe ...]
                              [--assume NAME=true|false ...] [--format json|text]

  --probe    tcp/80, udp/53, sctp/9000 or a named port such as tcp/http (resolved per destination pod)
  --assume   ipBlockMatchesPodIPs, endPortSupported, hostNetworkPodsBypass (all default true: worst case)
`;

interface Request {
  manifests: string;
  probes: Probe[];
  assumptions: ReturnType<typeof assumptionsFrom>;
  format: 'json' | 'text';
}

export interface AuditNetworkOptions {
  /** Where usage and bad-input messages go; stderr by default. */
  errors?: NodeJS.WritableStream;
}

export async function runAuditNetwork(args: string[], out: NodeJS.WritableStream, options: AuditNetworkOptions = {}): Promise<number> {
  const errors = options.errors ?? process.stderr;
  try {
    const request = requestFrom(args);
    const cluster = await loadManifestDirectory(request.manifests);
    const result = analyze(cluster, request.probes, request.assumptions);
    out.write(request.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatText(result, request.probes));
    return 0;
  } catch (error) {
    // Every failure here is bad input: a flag, a directory, a file or a document in it.
    errors.write(`bulkhead audit network: ${errorMessage(error)}\n${auditNetworkUsage}`);
    return 2;
  }
}

function requestFrom(args: string[]): Request {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      manifests: { type: 'string' },
      probe: { type: 'string', multiple: true },
      assume: { type: 'string', multiple: true },
      format: { type: 'string', default: 'json' },
    },
  });
  if (!values.manifests) throw new Error('--manifests DIR is required');
  if (!values.probe || values.probe.length === 0) throw new Error('at least one --probe is required');
  if (values.format !== 'json' && values.format !== 'text') throw new Error(`--format ${values.format}: expected json or text`);
  return {
    manifests: values.manifests,
    probes: values.probe.map(parseProbe),
    assumptions: assumptionsFrom(values.assume ?? []),
    format: values.format,
  };
}

/** A readable table: the assumptions first, then one row per flow. */
export function formatText(result: AnalysisResult, probes: readonly Probe[]): string {
  const lines = ['Assumptions (undefined by the NetworkPolicy specification; defaults are the worst case for isolation):'];
  for (const [name, value] of Object.entries(result.assumptions)) lines.push(`  ${name}: ${String(value)}`);
  lines.push('', `Probes: ${probes.map(formatProbe).join(', ')}`, '');
  const rows = result.flows.map((flow) => [flow.from, flow.to, `${flow.protocol.toLowerCase()}/${flow.port}`, flow.allowed ? 'allowed' : 'denied']);
  const table = [['FROM', 'TO', 'PROBE', 'VERDICT'], ...rows];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]?.length ?? 0)));
  for (const row of table) lines.push(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
  const allowed = result.flows.filter((flow) => flow.allowed).length;
  lines.push('', `${allowed} of ${result.flows.length} flows allowed`);
  return `${lines.join('\n')}\n`;
}
