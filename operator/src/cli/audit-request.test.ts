/** `bulkhead audit`'s flags: --probe measures on the wire, --flow names the analysed flows, the old spellings still mean what they meant. */
import assert from 'node:assert/strict';
import { parseOperatorConfig } from '../api/operator-config.js';
import { wireRequestFor } from '../audit/run.js';
import type { AuditRequest } from './audit-commands.js';
import { parsed, runBulkhead, recordingHandlers } from './testing.js';

const requestFrom = async (args: string[]): Promise<AuditRequest> => (await parsed(['audit', ...args])).request as AuditRequest;

async function refusal(args: string[]): Promise<string> {
  const run = await runBulkhead(['audit', ...args], { handlers: recordingHandlers([]) });
  assert.equal(run.code, 2, `audit ${args.join(' ')}: ${run.stderr}`);
  return run.stderr;
}

describe('bulkhead audit flags', () => {
  it('takes --probe as a switch for the probes on the wire, off by default', async () => {
    assert.equal((await requestFrom([])).wire, false);
    assert.equal((await requestFrom(['--probe'])).wire, true);
    assert.equal((await requestFrom(['--probe', '--probe-concurrency', '8'])).concurrency, 8);
    assert.equal((await requestFrom(['--probe'])).concurrency, undefined, 'without the flag the configuration decides');
  });

  it("probes with the configuration's image, settle time and concurrency unless the flag overrides it", () => {
    const config = parseOperatorConfig({ audit: { probes: { image: 'registry.example/probe:2', settleSeconds: 11, concurrency: 3 } } });
    const request = wireRequestFor(config, ['ingress-nginx']);
    assert.equal(request.settings?.image, 'registry.example/probe:2');
    assert.equal(request.settings?.settleSeconds, 11);
    assert.equal(request.concurrency, 3);
    assert.deepEqual(request.platformNamespaces, ['ingress-nginx']);
    assert.equal(wireRequestFor(config, [], 8).concurrency, 8);
  });

  it('refuses --probe with a flow, pointing at --flow', async () => {
    assert.match(await refusal(['--probe', 'tcp/80']), /--probe takes no value.*--flow tcp\/80/);
    assert.deepEqual((await requestFrom(['--flow', 'tcp/80', '--flow', 'udp/53'])).probes, [
      { protocol: 'TCP', port: 80 },
      { protocol: 'UDP', port: 53 },
    ]);
    assert.match(await refusal(['--flow', 'icmp/8']), /--flow.*--probe icmp\/8: expected tcp\|udp\|sctp\/PORT/);
  });

  it('skips the access probes with --no-access-probes or its older spelling --no-probes', async () => {
    assert.equal((await requestFrom(['--no-access-probes'])).liveProbes, false);
    assert.equal((await requestFrom(['--no-probes'])).liveProbes, false);
    assert.equal((await requestFrom(['--probe'])).liveProbes, true);
  });

  it('refuses a concurrency outside 1-64', async () => {
    assert.match(await refusal(['--probe-concurrency', '0']), /--probe-concurrency 0: expected 1-64/);
  });

  it('hands over every flag as the README and the audit specs spell them', async () => {
    const request = await requestFrom([
      '--tenant',
      'globex',
      '--format',
      'text',
      '--out',
      'o.txt',
      '--report-dir',
      'r',
      '--signing-key',
      'k.pem',
      '--assume',
      'endPortSupported=false',
    ]);
    assert.deepEqual(
      { ...request, assumptions: request.assumptions.endPortSupported },
      {
        tenant: 'globex',
        output: 'text',
        out: 'o.txt',
        reportDir: 'r',
        signingKey: 'k.pem',
        assumptions: false,
        liveProbes: true,
        wire: false,
      },
    );
  });

  it('takes the output format as -o json|yaml|text|html (json by default), --format as its older spelling, and refuses a disagreement', async () => {
    assert.equal((await requestFrom([])).output, 'json');
    for (const format of ['json', 'yaml', 'text', 'html']) assert.equal((await requestFrom(['-o', format])).output, format);
    assert.equal((await requestFrom(['--format', 'html'])).output, 'html');
    assert.equal((await requestFrom(['-o', 'html', '--format', 'html'])).output, 'html');
    assert.match(
      await refusal(['-o', 'xml']),
      /'-o, --output <format>' argument 'xml' is invalid\. Allowed choices are json, yaml, text, html/,
    );
    assert.match(await refusal(['-o', 'text', '--format', 'json']), /-o text and --format json disagree/);
    assert.match(await refusal(['--assume', 'magic=true']), /--assume magic=true: unknown assumption/);
  });
});
