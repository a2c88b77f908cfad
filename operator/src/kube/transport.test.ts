import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceOf, Transport } from './transport.js';

describe('resourceOf', function () {
  it('names the resource of core, group, namespaced and subresource paths', function () {
    assert.equal(resourceOf('/api/v1/namespaces'), 'namespaces');
    assert.equal(resourceOf('/api/v1/namespaces/tenant-a'), 'namespaces');
    assert.equal(resourceOf('/api/v1/namespaces/tenant-a/resourcequotas/q'), 'resourcequotas');
    assert.equal(resourceOf('/apis/coordination.k8s.io/v1/namespaces/bulkhead-system/leases/op'), 'leases');
    assert.equal(resourceOf('/apis/bulkhead.dev/v1alpha1/tenants/acme/status'), 'tenants/status');
    assert.equal(resourceOf('/apis/networking.k8s.io/v1/networkpolicies?watch=true'), 'networkpolicies');
  });
});

describe('a transport with connections of its own', function () {
  this.timeout(20_000);
  let server: Server;
  let dir: string;
  const held: ServerResponse[] = [];

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'transport-'));
    // A self-signed certificate for 127.0.0.1, made for this test only.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    server = createServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (request, response) => {
      // A watch: held open, as an informer's is.
      if (request.url?.includes('watch=true')) return (void held.push(response.writeHead(200)), response.flushHeaders());
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Lease"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    (server as Server & { ca: Buffer }).ca = cert;
  });

  after(function () {
    for (const response of held) response.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is answered while every socket of the first is held by watches (the Lease renewals, docs/decisions/0051)', async function () {
    const { port } = server.address() as AddressInfo;
    const ca = (server as Server & { ca: Buffer }).ca;
    const access = { server: new URL(`https://127.0.0.1:${port}`), credentials: () => Promise.resolve({ ca, headers: {} }) };
    const operator = new Transport(access);
    const watches = await Promise.all(
      Array.from({ length: 32 }, () => operator.stream({ method: 'GET', path: '/w', query: { watch: true } })),
    );
    const lease = operator.withOwnConnections();
    try {
      assert.deepEqual(await lease.json({ method: 'GET', path: '/lease', timeoutMs: 5_000 }), { kind: 'Lease' });
      // A request queued for a socket neither times out nor aborts; it waits for a watch to end.
      const queued = operator.json({ method: 'GET', path: '/lease' });
      const second = new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting'));
      assert.equal(await Promise.race([queued, second]), 'still waiting', 'the first has no socket free within a second');
      watches[0]?.destroy();
      assert.deepEqual(await queued, { kind: 'Lease' });
    } finally {
      for (const watch of watches) watch.destroy();
      lease.close();
      operator.close();
    }
  });
});
