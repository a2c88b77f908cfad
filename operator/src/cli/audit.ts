/**
 * `bulkhead audit [--tenant NAME] [--format json|html|text] [--out FILE] [--report-dir DIR]
 * [--signing-key PEM] [--no-probes]`: audits the live cluster and backing services the operator's
 * configuration (BULKHEAD_CONFIG) names, as KUBECONFIG's identity, and signs the report.
 *
 * JSON is the signed report itself (verify it with `bulkhead audit verify`); HTML and text are
 * renderings of it. With --report-dir the signed JSON (chained to the newest report already there)
 * and its HTML are kept in DIR. Exit 0 when nothing was found, 1 when any check failed or could not
 * be carried out, 2 on bad input.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { OperatorConfig } from '../api/operator-config.js';
import { runAudit } from '../audit/run.js';
import { signingKeyFor } from '../audit/signing-key.js';
import { assumptionsFrom, parseProbe, type Assumptions, type Probe } from '../audit/network/index.js';
import {
  exitCodeFor, formatReportText, previousInStore, renderHtml, saveReport, serializeReport, signReport, type SignedReport,
} from '../audit/report/index.js';
import { KubeClient } from '../kube/client.js';
import { loadOperatorConfig } from './operator.js';

export const auditUsage = `usage: bulkhead audit [--tenant NAME] [--format json|html|text] [--out FILE] [--report-dir DIR]
                      [--signing-key PEM] [--probe tcp/80 ...] [--assume NAME=false ...] [--no-probes]

  --tenant       only this tenant's checks (the fleet is still read, so cross-tenant findings show)
  --format       json (the signed report, default), html (the page an auditor reads) or text (a summary)
  --out          write there instead of standard output
  --report-dir   also keep the signed report, chained to the newest one in DIR, and its HTML page
  --signing-key  an Ed25519 private key (PEM); default the Secret in the configuration's audit.signingKeySecret
  --probe        the flows to judge (default tcp/80, tcp/443, tcp/8080, tcp/5432, udp/53, tcp/53)
  --no-probes    skip the SubjectAccessReviews and dry-run writes as tenant owners (RBAC analysis only)
  Configuration: BULKHEAD_CONFIG (the operator's file: regions, network, audit); cluster: KUBECONFIG.
`;

interface Request {
  tenant?: string;
  format: 'json' | 'html' | 'text';
  out?: string;
  reportDir?: string;
  signingKey?: string;
  probes?: Probe[];
  assumptions: Assumptions;
  liveProbes: boolean;
}

function requestFrom(args: string[]): Request {
  const { values } = parseArgs({
    args, strict: true, allowPositionals: false,
    options: {
      tenant: { type: 'string' }, format: { type: 'string', default: 'json' }, out: { type: 'string' },
      'report-dir': { type: 'string' }, 'signing-key': { type: 'string' }, probe: { type: 'string', multiple: true },
      assume: { type: 'string', multiple: true }, 'no-probes': { type: 'boolean', default: false },
    },
  });
  const format = values.format;
  if (format !== 'json' && format !== 'html' && format !== 'text') throw new Error(`--format ${format}: expected json, html or text`);
  return {
    ...(values.tenant ? { tenant: values.tenant } : {}), format,
    ...(values.out ? { out: values.out } : {}), ...(values['report-dir'] ? { reportDir: values['report-dir'] } : {}),
    ...(values['signing-key'] ? { signingKey: values['signing-key'] } : {}),
    ...(values.probe ? { probes: values.probe.map(parseProbe) } : {}),
    assumptions: assumptionsFrom(values.assume ?? []), liveProbes: !values['no-probes'],
  };
}

function rendering(report: SignedReport, format: Request['format']): string | Buffer {
  if (format === 'html') return renderHtml(report);
  if (format === 'text') return formatReportText(report);
  return serializeReport(report);
}

export async function runAuditCommand(args: string[], out: NodeJS.WritableStream, errors: NodeJS.WritableStream = process.stderr): Promise<number> {
  let request: Request;
  let config: OperatorConfig;
  try {
    request = requestFrom(args);
    config = loadOperatorConfig();
  } catch (error) {
    errors.write(`bulkhead audit: ${error instanceof Error ? error.message : String(error)}\n${auditUsage}`);
    return 2;
  }
  const client = KubeClient.load(process.env.KUBECONFIG);
  try {
    const key = await signingKeyFor(client, config, request.signingKey);
    const { report } = await runAudit({
      client, config, liveProbes: request.liveProbes,
      scope: request.tenant ? { kind: 'tenant', tenant: request.tenant } : { kind: 'all' },
      previous: request.reportDir ? previousInStore(request.reportDir) : null,
      assumptions: request.assumptions, ...(request.probes ? { probes: request.probes } : {}),
    });
    const signed = signReport(report, key);
    if (request.reportDir) {
      const saved = saveReport(request.reportDir, signed);
      const html = saved.path.replace(/\.json$/, '.html');
      writeFileSync(html, renderHtml(signed));
      errors.write(`bulkhead audit: report ${saved.path} (${saved.digest}), page ${html}\n`);
    }
    const output = rendering(signed, request.format);
    if (request.out) writeFileSync(request.out, output);
    else out.write(output);
    return exitCodeFor(signed);
  } finally {
    client.close();
  }
}
