/** The `bulkhead` command tree: help, version, each command's flags, global cluster flags and the exit codes. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ExitCode } from './exit-codes.js';
import { parsed, recordingHandlers, runBulkhead } from './testing.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const refused = (argv: string[]) => runBulkhead(argv, { handlers: recordingHandlers([]) });

describe('bulkhead command tree', () => {
  it('prints --version from the package', async () => {
    const run = await runBulkhead(['--version']);
    assert.deepEqual([run.code, run.stdout], [0, `${packageVersion}\n`]);
  });

  it('lists every command and subcommand in the generated --help', async () => {
    const expected: [string[], string[]][] = [
      [[], ['operator', 'api', 'token', 'audit-trail', 'audit', 'tenant', '--kubeconfig', '--context', '--version']],
      [['tenant'], ['suspend', 'resume', 'backups']],
      [
        ['audit'],
        ['network', 'verify', 'period', 'keygen', 'export', '--tenant', '-o, --output', '--report-dir', '--probe', '--flow', '--context'],
      ],
      [['token'], ['create', 'revoke']],
      [['audit-trail'], ['verify', 'init']],
      [
        ['audit', 'verify'],
        ['--public-key', '--key-id', '--chain', '--period', '--text', '--html', '-o, --output'],
      ],
      [
        ['audit', 'period'],
        ['--chain', '--from', '--to', '--public-key', '--key-id', '--interval', '--signing-key', '--out', '--html'],
      ],
    ];
    for (const [path, names] of expected) {
      const run = await runBulkhead([...path, '--help']);
      assert.equal(run.code, 0, path.join(' '));
      for (const name of names)
        assert.match(run.stdout, new RegExp(`^\\s+${name}\\b`, 'm'), `bulkhead ${path.join(' ')} --help lists ${name}`);
    }
    const bare = await runBulkhead([]);
    assert.deepEqual([bare.code, /Commands:/.test(bare.stdout)], [0, true]);
    assert.match((await runBulkhead(['help', 'audit'])).stdout, /Usage: bulkhead audit/, "the image's default CMD is `help`");
  });

  it('hands every command its flags', async () => {
    const cases: [string[], string, unknown][] = [
      [['operator'], 'operator', {}],
      [['api'], 'api', {}],
      [['token', 'create', '--role', 'auditor', '--name', 'ci-1'], 'tokenCreate', { role: 'auditor', name: 'ci-1', output: 'text' }],
      [['token', 'revoke', 'ci-1', '-o', 'json'], 'tokenRevoke', { name: 'ci-1', output: 'json' }],
      [
        ['audit', 'network', '--manifests', 'dir', '--probe', 'tcp/80', '--assume', 'endPortSupported=false', '-o', 'text'],
        'auditNetwork',
        {
          manifests: 'dir',
          probes: [{ protocol: 'TCP', port: 80 }],
          output: 'text',
          assumptions: { ipBlockMatchesPodIPs: true, endPortSupported: false, hostNetworkPodsBypass: true, loopbackPairsListed: false },
        },
      ],
      [
        ['audit', 'verify', 'r.json', '--key-id', 'A'.repeat(64), '--text', '--html', 'r.html'],
        'auditVerify',
        { file: 'r.json', publicKeys: [], keyIds: ['a'.repeat(64)], text: true, html: 'r.html', output: 'text' },
      ],
      [
        ['audit', 'verify', '--chain', 'dir', '--public-key', 'k.pem', '--public-key', 'new.pem', '-o', 'yaml'],
        'auditVerify',
        { chain: 'dir', publicKeys: ['k.pem', 'new.pem'], keyIds: [], text: false, output: 'yaml' },
      ],
      [
        ['audit', 'verify', '--period', 'p.json', '--key-id', 'b'.repeat(64), '--text'],
        'auditVerify',
        { period: 'p.json', publicKeys: [], keyIds: ['b'.repeat(64)], text: true, output: 'text' },
      ],
      [
        [
          'audit',
          'period',
          '--chain',
          'dir',
          '--from',
          '2026-11-01T00:00:00Z',
          '--to',
          '2026-12-01T00:00:00+01:00',
          '--key-id',
          'c'.repeat(64),
          '--interval',
          '1h',
          '--signing-key',
          'k.key',
          '--out',
          'p.json',
        ],
        'auditPeriod',
        {
          chain: 'dir',
          from: new Date('2026-11-01T00:00:00Z'),
          to: new Date('2026-11-30T23:00:00Z'),
          intervalSeconds: 3600,
          publicKeys: [],
          keyIds: ['c'.repeat(64)],
          signingKey: 'k.key',
          out: 'p.json',
        },
      ],
      [['audit', 'keygen', '--out', 'keys'], 'auditKeygen', { dir: 'keys', name: 'audit-signing', output: 'text' }],
      [
        ['audit', 'export', '--report', 'r.json', '--format', 'csv', '--out', 'r.csv', '--key-id', 'B'.repeat(64)],
        'auditExport',
        { report: 'r.json', format: 'csv', out: 'r.csv', publicKeys: [], keyIds: ['b'.repeat(64)] },
      ],
      [
        ['audit-trail', 'verify', '--expect-head', 'AB'.repeat(32), '--format', 'json'],
        'auditTrailVerify',
        { expectHead: 'ab'.repeat(32), output: 'json' },
      ],
      [['audit-trail', 'init', '--grant', 'api'], 'auditTrailInit', { grant: 'api', output: 'text' }],
      [['tenant', 'suspend', 'acme'], 'tenantSuspend', { name: 'acme', suspended: true, output: 'text' }],
      [['tenant', 'resume', 'acme', '-o', 'json'], 'tenantSuspend', { name: 'acme', suspended: false, output: 'json' }],
      [['tenant', 'backups', 'acme', '-o', 'yaml'], 'tenantBackups', { name: 'acme', output: 'yaml' }],
      [
        [
          'export',
          'open',
          'm.json',
          '--public-key',
          'op.pem',
          '--recipient-key',
          'me.pem',
          '--archive',
          'x/archive.enc',
          '--out',
          'd.pgdump',
        ],
        'exportOpen',
        { file: 'm.json', publicKey: 'op.pem', recipientKey: 'me.pem', archive: 'x/archive.enc', out: 'd.pgdump', output: 'text' },
      ],
    ];
    for (const [argv, handler, request] of cases) {
      const call = await parsed(argv);
      assert.deepEqual([call.handler, call.request], [handler, request], argv.join(' '));
    }
  });

  it('takes --kubeconfig and --context before or after the command, else $KUBECONFIG', async () => {
    const env = { KUBECONFIG: '/env/config' };
    assert.deepEqual((await parsed(['audit'], env)).cluster, { kubeconfig: '/env/config' });
    assert.deepEqual((await parsed(['--context', 'prod', 'audit'], env)).cluster, { kubeconfig: '/env/config', context: 'prod' });
    assert.deepEqual((await parsed(['audit', '--kubeconfig', '/k', '--context', 'prod'], env)).cluster, {
      kubeconfig: '/k',
      context: 'prod',
    });
    assert.deepEqual(
      (await parsed(['--context', 'a', 'token', 'revoke', 'x', '--context', 'b'])).cluster,
      { context: 'b' },
      'the nearer flag wins',
    );
    for (const argv of [
      ['operator', '--context', 'c'],
      ['api', '--context', 'c'],
      ['token', 'create', '--role', 'auditor', '--name', 'n', '--context', 'c'],
      ['tenant', 'suspend', 'acme', '--context', 'c'],
    ]) {
      assert.deepEqual((await parsed(argv)).cluster, { context: 'c' }, argv.join(' '));
    }
  });

  it('exits 2 on bad usage, naming the flag and the rule', async () => {
    const periodArgs = ['audit', 'period', '--chain', 'd', '--signing-key', 'k.key', '--out', 'p.json'];
    const cases: [string[], RegExp][] = [
      [['audit', '--tenat', 'x'], /unknown option '--tenat'.*\n.*Did you mean --tenant\?|unknown option '--tenat'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['token'], /Usage: bulkhead token/],
      [
        ['token', 'create', '--role', 'root', '--name', 'x'],
        /'--role <role>' argument 'root' is invalid\. Allowed choices are sales-ops, platform-admin, auditor/,
      ],
      [['token', 'create', '--role', 'auditor'], /required option '--name <name>' not specified/],
      [['token', 'create', '--role', 'auditor', '--name', 'Not_A_Label'], /--name must be a DNS-1123 label of at most 63 characters/],
      [['token', 'revoke'], /missing required argument 'name'/],
      [
        ['audit-trail', 'verify', '--expect-head', 'record-6'],
        /--expect-head must be a head hash as verify printed it: 64 hexadecimal digits/,
      ],
      [['audit-trail', 'verify', '-o', 'html'], /'-o, --output <format>' argument 'html' is invalid/],
      [['audit', 'keygen'], /required option '--out <dir>' not specified/],
      [['audit', 'verify', 'r.json'], /give at least one --public-key PEM or --key-id HEX/],
      [
        ['audit', 'verify', 'r.json', '--period', 'p.json', '--key-id', 'a'.repeat(64)],
        /give exactly one report FILE, .* or one --fleet FILE/,
      ],
      [
        ['audit', 'period', '--chain', 'd', '--from', '2026-11-01', '--to', '2026-12-01T00:00:00Z'],
        /--from 2026-11-01: expected an ISO 8601 time with a zone/,
      ],
      [
        [...periodArgs, '--from', '2026-12-01T00:00:00Z', '--to', '2026-11-01T00:00:00Z', '--key-id', 'a'.repeat(64)],
        /--from 2026-12-01T00:00:00.000Z must be before --to 2026-11-01T00:00:00.000Z/,
      ],
      [
        [...periodArgs, '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z', '--key-id', 'a'.repeat(64), '--interval', '90'],
        /--interval 90: expected a positive whole number of s, m, h or d/,
      ],
      [
        [...periodArgs, '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z'],
        /give at least one --public-key PEM or --key-id HEX/,
      ],
      [
        ['audit', 'verify', '--chain', 'd', '--key-id', 'a'.repeat(64), '--text'],
        /--text and --html render one report FILE, not a --chain/,
      ],
      [['audit', 'verify', 'r.json', '--key-id', 'abc'], /--key-id abc: expected 64 hex digits/],
      [['audit', 'network', '--manifests', 'd'], /at least one --probe is required/],
      [['audit', 'stray'], /unknown command or argument 'stray'/],
      [['tenant', 'suspend'], /missing required argument 'name'/],
      [['tenant', 'suspend', 'Acme'], /value 'Acme' is invalid for argument 'name'\. NAME must be a tenant name: .*DNS-1123/],
      [['tenant', 'resume', 'kube-system'], /NAME must be a tenant name/],
      [['tenant', 'backups', 'acme', '-o', 'html'], /'-o, --output <format>' argument 'html' is invalid/],
    ];
    for (const [argv, message] of cases) {
      const run = await refused(argv);
      assert.equal(run.code, ExitCode.usage, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, argv.join(' '));
    }
  });

  it('exits 3 naming the cause when the cluster cannot be reached: a missing kubeconfig, an unknown context, a refused connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-cli-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      stringify({
        'current-context': 'closed',
        clusters: [{ name: 'closed', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'closed', context: { cluster: 'closed', user: 'u' } }],
      }),
    );
    const missing = await runBulkhead(['token', 'revoke', 'x', '--kubeconfig', join(dir, 'absent')]);
    assert.equal(missing.code, ExitCode.unreachable, missing.stderr);
    assert.match(missing.stderr, /cannot reach the cluster: .*absent/);
    const context = await runBulkhead(['--context', 'prod', 'token', 'revoke', 'x'], { env: { KUBECONFIG: kubeconfig } });
    assert.equal(context.code, ExitCode.unreachable, context.stderr);
    assert.match(context.stderr, /context "prod" is not among its contexts/);
    const refusedConnection = await runBulkhead(['token', 'revoke', 'x', '--kubeconfig', kubeconfig]);
    assert.equal(refusedConnection.code, ExitCode.unreachable, refusedConnection.stderr);
  });
});
