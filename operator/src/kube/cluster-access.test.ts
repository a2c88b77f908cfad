import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { fromKubeconfig, inCluster } from './cluster-access.js';

function kubeconfig(dir: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'here',
      clusters: [
        { name: 'other', cluster: { server: 'https://other.example:6443' } },
        { name: 'local', cluster: { server: 'https://127.0.0.1:6443', ...cluster } },
      ],
      users: [{ name: 'someone', user }],
      contexts: [
        { name: 'elsewhere', context: { cluster: 'other', user: 'someone' } },
        { name: 'here', context: { cluster: 'local', user: 'someone' } },
      ],
    }),
  );
  return file;
}

const temporaryDir = (): string => mkdtempSync(join(tmpdir(), 'cluster-access-'));

describe('ClusterAccess', () => {
  it("reads the current context's client certificate and CA, relative paths from the kubeconfig's directory", async () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'ca.crt'), 'the CA');
    writeFileSync(join(dir, 'client.key'), 'the key');
    const file = kubeconfig(
      dir,
      { 'client-certificate-data': Buffer.from('the cert').toString('base64'), 'client-key': 'client.key' },
      { 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' },
    );
    const access = fromKubeconfig(file);
    assert.equal(access.server.href, 'https://127.0.0.1:6443/');
    const credentials = await access.credentials();
    assert.equal(credentials.ca?.toString(), 'the CA');
    assert.equal(credentials.cert?.toString(), 'the cert');
    assert.equal(credentials.key?.toString(), 'the key');
    assert.equal(credentials.servername, 'kubernetes');
    assert.equal(credentials.rejectUnauthorized, undefined, 'TLS is verified unless the kubeconfig says otherwise');
    assert.deepEqual(credentials.headers, {});
  });

  it('reads a token file again for every request, so a rotated token is used', async () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'token'), 'first\n');
    const access = fromKubeconfig(kubeconfig(dir, { tokenFile: 'token' }));
    assert.equal((await access.credentials()).headers.authorization, 'Bearer first');
    writeFileSync(join(dir, 'token'), 'second');
    assert.equal((await access.credentials()).headers.authorization, 'Bearer second');
  });

  it("uses the pod's ServiceAccount in a pod, its token read for every request", async () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'ca.crt'), 'cluster CA');
    writeFileSync(join(dir, 'token'), 'sa-token-1');
    const access = inCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    assert.equal(access.server.href, 'https://[fd00::1]/');
    assert.deepEqual(
      { ...(await access.credentials()), ca: undefined },
      { ca: undefined, headers: { authorization: 'Bearer sa-token-1' } },
    );
    assert.equal((await access.credentials()).ca?.toString(), 'cluster CA');
    writeFileSync(join(dir, 'token'), 'sa-token-2');
    assert.equal((await access.credentials()).headers.authorization, 'Bearer sa-token-2');
  });

  it("gets an exec plugin's credentials from client-node's KubeConfig", async () => {
    const dir = temporaryDir();
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-the-plugin' } };
    const file = kubeconfig(dir, {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: ['-e', `console.log(${JSON.stringify(JSON.stringify(credential))})`],
        interactiveMode: 'Never',
      },
    });
    assert.equal((await fromKubeconfig(file).credentials()).headers.Authorization, 'Bearer from-the-plugin');
  });

  it("uses the context it is given instead of the current one (kubectl's --context), and names one that is missing", () => {
    const file = kubeconfig(temporaryDir(), { token: 'secret' });
    assert.equal(fromKubeconfig(file).server.host, '127.0.0.1:6443');
    assert.equal(fromKubeconfig(file, 'elsewhere').server.host, 'other.example:6443');
    assert.throws(() => fromKubeconfig(file, 'nowhere'), /context "nowhere" is not among its contexts/);
  });

  it('names what is missing from a kubeconfig', () => {
    const dir = temporaryDir();
    const file = join(dir, 'broken');
    writeFileSync(file, stringify({ 'current-context': 'here', contexts: [{ name: 'here', context: { cluster: 'gone' } }], clusters: [] }));
    assert.throws(() => fromKubeconfig(file), /context "here" names cluster "gone", which it does not define/);
  });

  it('does not load @kubernetes/client-node for a certificate or token kubeconfig (it costs 30-50 MiB at rest)', function () {
    this.timeout(30_000);
    const dir = temporaryDir();
    const file = kubeconfig(dir, { token: 'secret' });
    // A resolve hook in a fresh process reports every package the client loads.
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      if (resolved.url.includes('/node_modules/@kubernetes/client-node/')) process.stderr.write('loaded client-node\\n');
      return resolved;
    }`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
    );
    const script = `const { KubeClient } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'client.ts')).href)});
      const client = KubeClient.load(${JSON.stringify(file)}); await client.transport.json({ method: 'GET', path: '/version', timeoutMs: 1 }).catch(() => undefined);
      console.log('loaded the client');`;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.match(run.stdout, /loaded the client/, run.stderr);
    assert.doesNotMatch(run.stderr, /loaded client-node/);
  });
});
