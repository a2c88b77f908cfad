/** `bulkhead audit network` end to end on a fixture directory, and its refusals of bad input. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runBulkhead } from './testing.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/network', import.meta.url));

const run = (args: string[]) => runBulkhead(['audit', 'network', ...args]);

interface JsonFlow {
  from: string;
  to: string;
  protocol: string;
  port: number | string;
  allowed: boolean;
}

describe('bulkhead audit network', () => {
  const probes = ['--probe', 'tcp/80', '--probe', 'udp/53', '--probe', 'tcp/http'];

  it('prints the assumptions and one flow per ordered pair of distinct pods and probe', async () => {
    const { code, stdout } = await run(['--manifests', fixtures, ...probes, '--format', 'json']);
    assert.equal(code, 0);
    const result = JSON.parse(stdout) as { assumptions: Record<string, unknown>; flows: JsonFlow[] };
    assert.deepEqual(Object.keys(result), ['assumptions', 'flows']);
    assert.deepEqual(result.assumptions, {
      ipBlockMatchesPodIPs: true,
      endPortSupported: true,
      hostNetworkPodsBypass: true,
      loopbackPairsListed: false,
    });
    assert.equal(result.flows.length, 5 * 4 * 3);
    for (const flow of result.flows) assert.deepEqual(Object.keys(flow), ['from', 'to', 'protocol', 'port', 'allowed']);
    assert.deepEqual(result.flows[0], {
      from: 'ingress-nginx/controller',
      to: 'kube-system/coredns',
      protocol: 'TCP',
      port: 80,
      allowed: true,
    });
  });

  it('shows that one tenant cannot reach another while DNS, its own namespace and the ingress controller work', async () => {
    const { stdout } = await run(['--manifests', fixtures, ...probes]);
    const flows = (JSON.parse(stdout) as { flows: JsonFlow[] }).flows;
    const verdict = (from: string, to: string, probe: string) =>
      flows.find((f) => f.from === from && f.to === to && `${f.protocol.toLowerCase()}/${f.port}` === probe)?.allowed;
    for (const probe of ['tcp/80', 'udp/53', 'tcp/http']) {
      assert.equal(verdict('tenant-acme/web', 'tenant-globex/web', probe), false);
      assert.equal(verdict('tenant-globex/web', 'tenant-acme/worker', probe), false);
    }
    assert.equal(verdict('tenant-acme/web', 'kube-system/coredns', 'udp/53'), true);
    assert.equal(verdict('tenant-acme/web', 'kube-system/coredns', 'tcp/80'), false);
    assert.equal(verdict('tenant-acme/worker', 'tenant-acme/web', 'tcp/80'), true);
    assert.equal(verdict('ingress-nginx/controller', 'tenant-acme/web', 'tcp/http'), true);
    assert.equal(verdict('ingress-nginx/controller', 'tenant-acme/web', 'tcp/80'), false);
    assert.equal(verdict('ingress-nginx/controller', 'tenant-acme/worker', 'tcp/http'), false);
  });

  it('prints a readable table with --format text', async () => {
    const { code, stdout } = await run([
      '--manifests',
      fixtures,
      '--probe',
      'tcp/http',
      '--format',
      'text',
      '--assume',
      'endPortSupported=false',
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /endPortSupported: false/);
    assert.match(stdout, /^tenant-acme\/web\s+tenant-globex\/web\s+tcp\/http\s+denied$/m);
    assert.match(stdout, /^ingress-nginx\/controller\s+tenant-acme\/web\s+tcp\/http\s+allowed$/m);
  });

  it('prints the same document as YAML with -o yaml, and the table with -o text', async () => {
    const json = JSON.parse((await run(['--manifests', fixtures, '--probe', 'tcp/80', '-o', 'json'])).stdout) as unknown;
    const yaml = await run(['--manifests', fixtures, '--probe', 'tcp/80', '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(parse(yaml.stdout), json);
    assert.match((await run(['--manifests', fixtures, '--probe', 'tcp/80', '-o', 'text'])).stdout, /flows allowed$/m);
  });

  const refusals: [string, string[], RegExp][] = [
    ['an unknown flag', ['--manifests', fixtures, '--probe', 'tcp/80', '--verbose'], /--verbose/],
    ['a missing --manifests', ['--probe', 'tcp/80'], /--manifests/],
    ['a missing --probe', ['--manifests', fixtures], /--probe/],
    ['a bad probe', ['--manifests', fixtures, '--probe', 'icmp/8'], /--probe icmp\/8/],
    ['an unknown assumption', ['--manifests', fixtures, '--probe', 'tcp/80', '--assume', 'magic=true'], /--assume magic=true/],
    [
      'an unknown format',
      ['--manifests', fixtures, '--probe', 'tcp/80', '--format', 'xml'],
      /'--format <format>' argument 'xml' is invalid\. Allowed choices are text, json, yaml/,
    ],
    ['an unknown -o', ['--manifests', fixtures, '--probe', 'tcp/80', '-o', 'wide'], /'-o, --output <format>' argument 'wide' is invalid/],
    ['an unreadable directory', ['--manifests', `${fixtures}/missing`, '--probe', 'tcp/80'], /--manifests .*missing/],
    ['bad YAML', ['--manifests', `${fixtures}/bad-yaml`, '--probe', 'tcp/80'], /broken\.yaml: document 1: invalid YAML/],
  ];
  for (const [what, args, message] of refusals) {
    it(`exits 2 on ${what}, naming it`, async () => {
      const { code, stdout, stderr } = await run(args);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, message);
    });
  }
});
