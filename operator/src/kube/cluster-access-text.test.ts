import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { fromKubeconfigText } from './cluster-access.js';

const text = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'cell',
    clusters: [{ name: 'cell', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Y2E=', ...cluster } }],
    users: [{ name: 'api', user }],
    contexts: [{ name: 'cell', context: { cluster: 'cell', user: 'api' } }],
  });

describe('a kubeconfig held in a Secret', function () {
  it('reaches the server with the embedded CA and token', async function () {
    const access = fromKubeconfigText(text({ token: 'abc' }), 'Secret ns/cell');
    assert.equal(access.server.host, '10.0.0.1:6443');
    const credentials = await access.credentials();
    assert.equal(credentials.headers.authorization, 'Bearer abc');
    assert.equal(credentials.ca?.toString(), 'ca');
  });

  it('refuses an exec plugin, which would run a program on the API', function () {
    assert.throws(() => fromKubeconfigText(text({ exec: { command: '/bin/sh' } }), 'Secret ns/cell'), /Secret ns\/cell: user fields exec/);
  });

  it('refuses file paths, which would read the API’s own files', function () {
    assert.throws(() => fromKubeconfigText(text({ tokenFile: '/etc/shadow' }), 'Secret ns/cell'), /refers to files/);
    assert.throws(
      () => fromKubeconfigText(text({ token: 'a' }, { 'certificate-authority': '/ca.crt' }), 'Secret ns/cell'),
      /refers to files/,
    );
  });
});
