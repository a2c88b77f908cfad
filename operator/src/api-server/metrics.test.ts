import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../runtime/logging.js';
import { createApp } from './app.js';
import { ApiMetrics, matchesTemplate } from './metrics.js';
import type { TenantStore } from './tenant-store.js';
import type { RestoreStore } from './restore-store.js';
import type { TokenStore } from './token-store.js';

describe('the onboarding API’s request metrics', function () {
  let server: Server;
  let base: string;
  let metrics: ApiMetrics;

  before(async function () {
    metrics = new ApiMetrics({ collectDefaultMetrics: false });
    const tenants = { get: () => Promise.resolve(undefined) } as unknown as TenantStore;
    const tokens = { verify: () => Promise.resolve({ id: 'token:alice', role: 'platform-admin' }) } as unknown as TokenStore;
    const app = createApp({
      tenants,
      restores: { get: () => Promise.resolve(undefined) } as unknown as RestoreStore,
      auth: { tokens },
      logger: createLogger({ silent: true }),
      auditTrail: null,
      metrics,
    });
    server = await new Promise((resolve) => {
      const started = app.listen(0, '127.0.0.1', () => resolve(started));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(function () {
    server.closeAllConnections();
    server.close();
  });

  const count = (text: string, labels: string): number =>
    Number(new RegExp(`^bulkhead_api_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

  it('counts requests by method, route template and status, never by the path as sent', async function () {
    const authorized = { headers: { authorization: 'Bearer bht_alice' } };
    await fetch(`${base}/v1/tenants/acme`, authorized);
    await fetch(`${base}/v1/tenants/globex`, authorized);
    await fetch(`${base}/healthz`);
    await fetch(`${base}/v1/tenants/acme/backups`, authorized);
    await fetch(`${base}/v1/tenants/acme/restores/restore-0123`, authorized);
    const text = await metrics.registry.metrics();
    assert.equal(count(text, 'method="GET",route="/v1/tenants/:name",status="404"'), 2);
    assert.equal(count(text, 'method="GET",route="/v1/tenants/:name/backups",status="404"'), 1);
    assert.equal(count(text, 'method="GET",route="/v1/tenants/:name/restores/:restore",status="404"'), 1);
    assert.equal(count(text, 'method="GET",route="/healthz",status="200"'), 1);
    assert.doesNotMatch(text, /acme|globex/);
  });

  it('counts a request refused before its route (no token) under that route, and a path no route has as unmatched', async function () {
    await fetch(`${base}/v1/tenants`, { method: 'POST' });
    await fetch(`${base}/wp-admin/${Math.random()}`, { headers: { authorization: 'Bearer bht_alice' } });
    await fetch(`${base}/v1/tenants/`, { headers: { authorization: 'Bearer bht_alice' } });
    const text = await metrics.registry.metrics();
    assert.equal(count(text, 'method="POST",route="/v1/tenants",status="401"'), 1);
    assert.equal(count(text, 'method="GET",route="unmatched",status="404"'), 2);
    assert.doesNotMatch(text, /wp-admin/);
  });
});

describe('matching a path to a route template', function () {
  it('matches segment by segment, a parameter standing for one non-empty segment, case and trailing slash included', function () {
    assert.ok(matchesTemplate('/v1/tenants/:name', '/v1/tenants/acme'));
    assert.ok(!matchesTemplate('/v1/tenants/:name', '/v1/tenants/'));
    assert.ok(!matchesTemplate('/v1/tenants/:name', '/v1/tenants/acme/x'));
    assert.ok(!matchesTemplate('/v1/tenants', '/V1/Tenants'));
    assert.ok(!matchesTemplate('/v1/tenants', '/v1/tenants/'));
  });
});
