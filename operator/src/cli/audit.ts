/**
 * `bulkhead audit [--tenant NAME] [--format json|html|text] [--out FILE] [--report-dir DIR]
 * [--signing-key PEM] [--probe] [--no-access-probes]`: audits the live cluster and backing services
 * the operator's configuration (BULKHEAD_CONFIG) names, as KUBECONFIG's identity, and signs the report.
 *
 * `--probe` (no value) also measures isolation on the wire with short-lived probe pods
 * (docs/decisions/0020). The flows the analysis judges are `--flow tcp/80 ...`; `bulkhead audit
 * network --probe tcp/80` keeps its meaning there (it only analyses manifests).
 *
 * JSON is the signed report itself (verify it with `bulkhead audit verify`); HTML and text are
 * renderings of it. The time and peak memory of the run go to standard error. With --report-dir the signed JSON (chained to the newest report already there)
 * and its HTML are kept in DIR. Exit 0 when nothing was found, 1 when any check failed or could not
 * be carried out, 2 on bad input.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { OperatorConfig } from '../api/operator-config.js';
import { AuditCostMeter, describeCost } from '../audit/cost.js';
import { runAudit, wireRequestFor } from '../audit/run.js';
import { signingKeyFor } from '../audit/signing-key.js';
import { assumptionsFrom, parseProbe, type Assumptions, type Probe } from '../audit/network/index.js';
import {
  exitCodeFor, formatReportText, previousInStore, renderHtml, saveReport, serializeReport, signReport, type SignedReport,
} from '../audit/report/index.js';
import { KubeClient } from '../kube/client.js';
import { loadOperatorConfig } from './operator.js';
import { errorMessage } from '../runtime/errors.js';

export const auditUsage = `usage: bulkhead audit [--tenant NAME] [--format json|html|text] [--out FILE] [--report-dir DIR]
                      [--signing-key PEM] [--probe [--probe-concurrency N]] [--flow tcp/80 ...] [--assume NAME=false ...]
                      [--no-access-probes]

  --tenant       only this tenant's checks (the fleet is still read, so cross-tenant findings show)
  --format       json (the signed report, default), html (the page an auditor reads) or text (a summary)
  --out          write there instead of standard output
  --report-dir   also keep the signed report, chained to the newest one in DIR, and its HTML page
  --signing-key  an Ed25519 private key (PEM); default the Secret in the configuration's audit.signingKeySecret
  --probe        also measure on the wire: probe pods in every tenant namespace and the ingress namespace try every
                 ordered pair on the app's ports; the report carries the observed matrix beside the prediction.
                 The probe image and settle time are the configuration's audit.probes.image and settleSeconds
  --probe-concurrency  trying pods alive at once (default: the configuration's audit.probes.concurrency, 4)
  --flow         the flows the analysis judges (default tcp/80, tcp/443, tcp/8080, tcp/5432, udp/53, tcp/53)
  --no-access-probes   skip the SubjectAccessReviews and dry-run writes as tenant owners (RBAC analysis only);
                 --no-probes is the older spelling
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
  wire: boolean;
  /** --probe-concurrency; absent: the configuration's. */
  concurrency?: number;
}

/** `--probe tcp/80` was the flows' spelling before --probe measured on the wire: say so rather than "unexpected argument". */
function refuseOldProbeSpelling(args: readonly string[]): void {
  const index = args.findIndex((arg, i) => arg === '--probe' && /^(tcp|udp|sctp)\//i.test(args[i + 1] ?? ''));
  if (index >= 0) throw new Error(`--probe takes no value (it measures on the wire); the flows to judge are --flow ${args[index + 1] ?? ''}`);
}

const options = {
  tenant: { type: 'string' }, format: { type: 'string', default: 'json' }, out: { type: 'string' },
  'report-dir': { type: 'string' }, 'signing-key': { type: 'string' }, flow: { type: 'string', multiple: true },
  probe: { type: 'boolean', default: false }, 'probe-concurrency': { type: 'string' },
  assume: { type: 'string', multiple: true }, 'no-probes': { type: 'boolean', default: false },
  'no-access-probes': { type: 'boolean', default: false },
} as const;

function probeConcurrency(text: string): number {
  const concurrency = Number(text);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`--probe-concurrency ${text}: expected 1-64`);
  return concurrency;
}

function formatFrom(format: string): Request['format'] {
  if (format !== 'json' && format !== 'html' && format !== 'text') throw new Error(`--format ${format}: expected json, html or text`);
  return format;
}

export function requestFrom(args: string[]): Request {
  refuseOldProbeSpelling(args);
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options });
  const optional = {
    ...(values.tenant ? { tenant: values.tenant } : {}), ...(values.out ? { out: values.out } : {}),
    ...(values['report-dir'] ? { reportDir: values['report-dir'] } : {}),
    ...(values['signing-key'] ? { signingKey: values['signing-key'] } : {}),
    ...(values.flow ? { probes: values.flow.map(parseProbe) } : {}),
    ...(values['probe-concurrency'] ? { concurrency: probeConcurrency(values['probe-concurrency']) } : {}),
  };
  return {
    ...optional, format: formatFrom(values.format),
    assumptions: assumptionsFrom(values.assume ?? []), liveProbes: !values['no-probes'] && !values['no-access-probes'],
    wire: values.probe,
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
    errors.write(`bulkhead audit: ${errorMessage(error)}\n${auditUsage}`);
    return 2;
  }
  const client = KubeClient.load(process.env.KUBECONFIG);
  const meter = new AuditCostMeter();
  try {
    const key = await signingKeyFor(client, config, request.signingKey);
    const { report, tenants } = await runAudit({
      client, config, liveProbes: request.liveProbes,
      scope: request.tenant ? { kind: 'tenant', tenant: request.tenant } : { kind: 'all' },
      previous: request.reportDir ? previousInStore(request.reportDir) : null,
      assumptions: request.assumptions, ...(request.probes ? { probes: request.probes } : {}),
      ...(request.wire ? { wire: wireRequestFor(config, [config.network.ingressNamespace], request.concurrency) } : {}),
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
    errors.write(`bulkhead audit: ${describeCost(tenants.length, meter.stop())}\n`);
    return exitCodeFor(signed);
  } finally {
    client.close();
  }
}
