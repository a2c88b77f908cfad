/**
 * `bulkhead audit`: audits the live cluster and backing services the operator's configuration
 * (BULKHEAD_CONFIG) names, as the kubeconfig's identity, and signs the report. Its flags are in
 * audit-commands.ts.
 *
 * `--probe` (no value) also measures isolation on the wire with short-lived probe pods
 * (docs/decisions/0020). The flows the analysis judges are `--flow tcp/80 ...`; `bulkhead audit
 * network --probe tcp/80` keeps its meaning there (it only analyses manifests).
 *
 * JSON is the signed report itself (verify it with `bulkhead audit verify`); YAML, HTML and text
 * are renderings of it. The time and peak memory of the run go to standard error. With --report-dir the signed JSON (chained to the newest report already
 * there) and its HTML are kept in DIR. Exit 0 when nothing was found, 1 when any check failed or
 * could not be carried out, 2 on bad input, 3 when the cluster cannot be reached.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { OperatorConfig } from '../api/operator-config.js';
import { AuditCostMeter, describeCost, describePhases } from '../audit/cost.js';
import { runAudit, wireRequestFor } from '../audit/run.js';
import { signingKeyFor } from '../audit/signing-key.js';
import {
  exitCodeFor,
  formatReportText,
  previousInStore,
  renderHtml,
  saveReportFile,
  signReportFile,
  type SignedReport,
  type SignedReportFile,
} from '../audit/report/index.js';
import type { AuditFormat, AuditRequest } from './audit-commands.js';
import { connect } from './cluster.js';
import { errorMessage, UsageError } from './exit-codes.js';
import { loadOperatorConfig } from './operator.js';
import type { CommandContext } from './program.js';

/** JSON is the signed file's own bytes, not written again. */
function rendering(file: SignedReportFile, format: AuditFormat): string | Buffer {
  if (format === 'html') return renderHtml(file.report);
  if (format === 'text') return formatReportText(file.report);
  if (format === 'yaml') return stringify(file.report);
  return file.bytes;
}

function configFrom(env: NodeJS.ProcessEnv): OperatorConfig {
  try {
    return loadOperatorConfig(env.BULKHEAD_CONFIG);
  } catch (error) {
    throw new UsageError(`BULKHEAD_CONFIG: ${errorMessage(error)}`, { cause: error });
  }
}

export async function runAuditCommand(request: AuditRequest, { io, cluster }: CommandContext): Promise<number> {
  const config = configFrom(io.env);
  const client = connect(cluster);
  const meter = new AuditCostMeter();
  try {
    const key = await signingKeyFor(client, config, request.signingKey);
    const { report, tenants } = await runAudit({
      client,
      config,
      liveProbes: request.liveProbes,
      scope: request.tenant ? { kind: 'tenant', tenant: request.tenant } : { kind: 'all' },
      previous: request.reportDir ? previousInStore(request.reportDir) : null,
      assumptions: request.assumptions,
      ...(request.probes ? { probes: request.probes } : {}),
      ...(request.wire ? { wire: wireRequestFor(config, [config.network.ingressNamespace], request.concurrency) } : {}),
      phases: meter,
    });
    const file = await signReportFile(report, key);
    meter.mark('signed');
    const signed: SignedReport = file.report;
    if (request.reportDir) {
      const saved = saveReportFile(request.reportDir, file);
      const html = saved.path.replace(/\.json$/, '.html');
      writeFileSync(html, renderHtml(signed));
      io.stderr.write(`bulkhead audit: report ${saved.path} (${saved.digest}), page ${html}\n`);
    }
    const output = rendering(file, request.output);
    if (request.out) writeFileSync(request.out, output);
    else io.stdout.write(output);
    const cost = meter.stop();
    io.stderr.write(`bulkhead audit: ${describeCost(tenants.length, cost)}\nbulkhead audit: by step: ${describePhases(cost)}\n`);
    return exitCodeFor(signed);
  } finally {
    client.close();
  }
}
