/**
 * `bulkhead audit verify FILE (--public-key PEM | --key-id HEX) [--text] [--html OUT]`: is this
 * report unchanged since a trusted key signed it? Only then, `--text` prints its summary and
 * `--html` writes the page an auditor reads, so what they read is what was verified. `--chain DIR`
 * verifies every report in a directory and that each names its predecessor's digest; `--published
 * FILE` the report the operator published in ConfigMaps (one, or parts under a manifest), exported as JSON. The key must
 * come from the caller: a report's embedded key is used only when it hashes to the `--key-id` given.
 *
 * Exit 0 when valid, 1 when not (with the reason), 2 on bad usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { reportFromExport, type PublishedConfigMap } from '../audit/publication.js';
import { formatReportText, loadPublicKey, renderHtml, verifyChain, verifyReport, type SignedReport, type TrustedKey } from '../audit/report/index.js';
import { errorMessage } from '../runtime/errors.js';

export const auditVerifyUsage = `usage: bulkhead audit verify FILE (--public-key PEM | --key-id HEX) [--text] [--html OUT]
       bulkhead audit verify --published CONFIGMAPS.json (--public-key PEM | --key-id HEX) [--text] [--html OUT]
       bulkhead audit verify --chain DIR (--public-key PEM | --key-id HEX)

  --public-key  the signer's Ed25519 public key (PEM), obtained from the signer, not from the report
  --key-id      the SHA-256 of the signer's public key (hex), obtained from the signer
  --chain       verify every audit-*.json in DIR and that each names the digest of the one before it
  --published   the report the operator published, as exported with
                kubectl get configmaps -n NAMESPACE -l bulkhead.dev/audit-report -o json
                (one ConfigMap, or parts under a manifest: each part is checked against it, then the report)
  --text        after a valid signature, print the report's summary, findings and limitations
  --html        after a valid signature, write the report as a self-contained HTML page to OUT
`;

interface Request {
  file?: string;
  published?: string;
  chain?: string;
  trusted: TrustedKey;
  text: boolean;
  html?: string;
}

interface Streams {
  out: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
}

export function runAuditVerify(args: string[], out: NodeJS.WritableStream, errors: NodeJS.WritableStream = process.stderr): number {
  let request: Request;
  try {
    request = requestFrom(args);
  } catch (error) {
    errors.write(`bulkhead audit verify: ${errorMessage(error)}\n${auditVerifyUsage}`);
    return 2;
  }
  const streams = { out, errors };
  if (request.chain !== undefined) return verifyDirectory(request.chain, request.trusted, streams);
  const report = request.published !== undefined
    ? verifyBytes(request.published, publishedBytes(request.published), request.trusted, streams)
    : verifyBytes(request.file ?? '', fileBytes(request.file ?? ''), request.trusted, streams);
  return report === undefined ? 1 : render(report, request, streams);
}

type Read = { bytes: Buffer } | { problem: string };

function fileBytes(file: string): Read {
  try {
    return { bytes: readFileSync(file) };
  } catch (error) {
    return { problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
}

/** The report put back together from exported ConfigMaps (a List or one object). */
function publishedBytes(file: string): Read {
  const read = fileBytes(file);
  if (!('bytes' in read)) return read;
  try {
    const parsed = JSON.parse(read.bytes.toString('utf8')) as { items?: PublishedConfigMap[] } & PublishedConfigMap;
    return { bytes: reportFromExport(Array.isArray(parsed.items) ? parsed.items : [parsed]) };
  } catch (error) {
    return { problem: `not a published report: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Text and HTML only of a verified report. */
function render(report: SignedReport, request: Request, { out, errors }: Streams): number {
  if (request.text) out.write(`\n${formatReportText(report)}`);
  if (request.html === undefined) return 0;
  try {
    writeFileSync(request.html, renderHtml(report));
  } catch (error) {
    errors.write(`bulkhead audit verify: --html ${request.html}: ${errorMessage(error)}\n`);
    return 2;
  }
  return 0;
}

function verifyBytes(file: string, read: Read, trusted: TrustedKey, { out, errors }: Streams): SignedReport | undefined {
  if (!('bytes' in read)) {
    errors.write(`signature invalid: ${file}: ${read.problem}\n`);
    return undefined;
  }
  const verification = verifyReport(read.bytes, trusted);
  if (!verification.ok) {
    errors.write(`signature invalid: ${file}: ${verification.reason}\n`);
    return undefined;
  }
  const { report } = verification;
  out.write(`signature valid: keyId ${verification.keyId}, generated ${report.generatedAt}, ${report.summary.checks} checks, ${report.summary.findings} findings (${verification.digest})\n`);
  return report;
}

function verifyDirectory(dir: string, trusted: TrustedKey, { out, errors }: Streams): number {
  const chain = verifyChain(dir, trusted);
  if (!chain.ok) {
    errors.write(`chain invalid: ${chain.file}: ${chain.reason}\n`);
    return 1;
  }
  if (chain.reports === 0) {
    errors.write(`chain invalid: ${dir} holds no audit-*.json reports\n`);
    return 1;
  }
  out.write(`chain valid: ${chain.reports} reports, each naming the one before it; newest ${chain.newest?.file ?? ''} (${chain.newest?.digest ?? ''})\n`);
  return 0;
}

function requestFrom(args: string[]): Request {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      'public-key': { type: 'string' },
      'key-id': { type: 'string' },
      chain: { type: 'string' },
      published: { type: 'string' },
      text: { type: 'boolean', default: false },
      html: { type: 'string' },
    },
  });
  const targets = positionals.length + (values.chain === undefined ? 0 : 1) + (values.published === undefined ? 0 : 1);
  if (targets !== 1) throw new Error('give exactly one report FILE, one --published CONFIGMAPS.json or one --chain DIR');
  if (values.chain !== undefined && (values.text || values.html !== undefined)) throw new Error('--text and --html render one report FILE, not a --chain');
  const trusted = trustedKeyFrom(values['public-key'], values['key-id']);
  return { file: positionals[0], published: values.published, chain: values.chain, trusted, text: values.text, html: values.html };
}

function trustedKeyFrom(publicKeyPath: string | undefined, keyId: string | undefined): TrustedKey {
  if ((publicKeyPath === undefined) === (keyId === undefined)) {
    throw new Error('give exactly one of --public-key PEM or --key-id HEX: a report is never trusted on its embedded key alone');
  }
  if (keyId !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(keyId)) throw new Error(`--key-id ${keyId}: expected 64 hex digits (the SHA-256 of the public key)`);
    return { keyId: keyId.toLowerCase() };
  }
  const path = publicKeyPath ?? '';
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    throw new Error(`--public-key ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  return loadPublicKey(pem, `--public-key ${path}`);
}
