/**
 * `startApiServer` as `bulkhead api` runs it, against the real control plane: its metrics are
 * served on their own port, count the API's requests by route template, and are not served on the
 * API's port.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testEnvironment } from '@bulkhead/testenv';
import { ApiServerConfigSchema, startApiServer } from '../../src/api-server/server.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger } from '../../src/runtime/logging.js';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('the onboarding API’s metrics port', function () {
  let client: KubeClient;
  let server: Server;
  let api: string;
  let metrics: string;

  before(async function () {
    client = KubeClient.load(testEnvironment().kubeconfig);
    const metricsPort = await freePort();
    const config = ApiServerConfigSchema.parse({ port: 0, auditTrail: { disabled: true }, metrics: { port: metricsPort } });
    server = await startApiServer({ config, client, logger: createLogger({ silent: true }) });
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    metrics = `http://127.0.0.1:${metricsPort}/metrics`;
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    client.close();
  });

  it("counts the API's requests by route template and status on its own port, and never on the API's", async function () {
    assert.equal((await fetch(`${api}/v1/tenants/acme`)).status, 401);
    const served = await fetch(metrics);
    assert.equal(served.status, 200);
    const text = await served.text();
    assert.match(text, /^bulkhead_api_request_duration_seconds_count\{method="GET",route="\/v1\/tenants\/:name",status="401"\} 1$/m);
    assert.match(text, /^process_cpu_seconds_total /m, "Node's process metrics too");
    const onApiPort = await fetch(`${api}/metrics`);
    assert.notEqual(onApiPort.status, 200);
    assert.doesNotMatch(await onApiPort.text(), /bulkhead_api_request_duration_seconds/);
  });

  it('stops serving metrics when the API closes', async function () {
    const port = await freePort();
    const config = ApiServerConfigSchema.parse({ port: 0, auditTrail: { disabled: true }, metrics: { port } });
    const other = await startApiServer({ config, client, logger: createLogger({ silent: true }) });
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);
    other.closeAllConnections();
    await new Promise<void>((resolve) => other.close(() => resolve()));
    for (let tries = 0; tries < 50; tries++) {
      if (
        !(await fetch(`http://127.0.0.1:${port}/metrics`).then(
          () => true,
          () => false,
        ))
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`metrics are still served on ${port} after the API closed`);
  });
});
