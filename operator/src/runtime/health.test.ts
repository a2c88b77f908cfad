import assert from 'node:assert/strict';
import { HealthServer } from './health.js';
import { createLogger } from './logging.js';
import { createRuntimeMetrics } from './metrics.js';

describe('HealthServer', () => {
  const logger = createLogger({ silent: true });
  let server: HealthServer;
  let base: string;
  let ready: boolean;

  beforeEach(async () => {
    const metrics = createRuntimeMetrics({ collectDefaultMetrics: false });
    metrics.controller('things');
    ready = false;
    server = new HealthServer({ port: 0, registry: metrics.registry, logger });
    server.addLivenessCheck('ping', () => true);
    server.addReadinessCheck('informers', () => ready);
    const { host, port } = await server.start();
    base = `http://${host}:${port}`;
  });

  afterEach(() => server.stop());

  it('binds to a free port on 127.0.0.1 and reports the address', () => {
    assert.equal(server.address()?.host, '127.0.0.1');
    assert.ok((server.address()?.port ?? 0) > 0);
  });

  it('answers /healthz with 200 while every liveness check passes', async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '[+]ping ok\nhealthz check passed\n');
  });

  it('answers /readyz with 500 naming the failing check, then 200 once it passes', async () => {
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 500);
    assert.equal(await notReady.text(), '[-]informers failed\nreadyz check failed\n');
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  it('treats a check that throws as failed without revealing why', async () => {
    server.addLivenessCheck('database', () => {
      throw new Error('password authentication failed for user "tenant_acme"');
    });
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /password/);
  });

  it('serves the registry at /metrics in the Prometheus text format', async () => {
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await response.text(), /controller_runtime_reconcile_total\{controller="things",result="success"\} 0/);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
  });
});
