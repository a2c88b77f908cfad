/**
 * Property-based testing of the onboarding API from its own OpenAPI document: schemathesis
 * (installed into a cached virtualenv by hack/install-schemathesis.sh) generates valid and invalid
 * requests for every operation and sends them, as a platform admin, to the real app in front of
 * the real control plane and audit trail. Fails on any 5xx and on any response that does not match
 * the document.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createdByAnnotation } from '../../src/api-server/idempotency.js';
import { openApiDocument } from '../../src/api-server/openapi.js';
import { RateLimiter } from '../../src/api-server/rate-limit.js';
import { prepareCluster } from '../support/setup.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type RunningApi } from './support.js';

const run = promisify(execFile);
const installer = fileURLToPath(new URL('../../../hack/install-schemathesis.sh', import.meta.url));

describe('the onboarding API under schemathesis', function () {
  this.timeout(15 * 60_000);
  let fixture: ApiFixture;
  let api: RunningApi;
  let token: string;
  let dir: string;
  const tokenName = `schemathesis-${runId}`;

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    token = await fixture.mint('platform-admin', tokenName);
    // Thousands of requests from one caller: the rate limit is not what is under test here.
    api = await listen(fixture.deps({ rateLimiter: new RateLimiter({ capacity: 1_000_000, refillPerSecond: 1_000_000 }) }));
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-schemathesis-'));
  });

  after(async function () {
    await api?.close();
    // Delete what the generated requests created: every tenant this run's token created.
    const page = await fixture.tenants.list({ limit: 1000 });
    for (const tenant of page.items.filter((t) => t.metadata.annotations?.[createdByAnnotation] === `token:${tokenName}`)) {
      await fixture.tenants.delete(tenant.metadata.name, tenant.metadata.uid ?? '');
    }
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    fixture?.client.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds no server error and no response outside the OpenAPI document', async function () {
    const st = execFileSync('bash', [installer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const schema = join(dir, 'openapi.json');
    writeFileSync(schema, JSON.stringify(openApiDocument()));
    // Tenants and plans that exist, offered for most generated names, so that the routes behind the
    // 404 and the plan check are exercised too, not only their refusals.
    const tenantNames = ['a', 'b', 'c'].map((suffix) => `st${runId}-${suffix}`);
    for (const name of tenantNames) {
      const created = await call(api, 'POST', '/v1/tenants', { token, body: newTenant(name), headers: { 'idempotency-key': `st-${name}` } });
      assert.equal(created.status, 202);
    }
    writeFileSync(join(dir, 'schemathesis.toml'), [
      `[dictionaries.tenants]\nvalues = ${JSON.stringify(tenantNames)}`,
      '[dictionaries.plans]\nvalues = ["standard", "enterprise"]',
      '[parameters]\n"path.name" = { dictionary = "tenants", probability = 0.7 }\n"body.plan" = { dictionary = "plans", probability = 0.7 }',
    ].join('\n\n'));
    const args = [
      'run', schema, '--url', api.url, '--header', `Authorization: Bearer ${token}`,
      '--checks', 'not_a_server_error,response_schema_conformance',
      '--phases', 'examples,coverage,fuzzing', '--max-examples', process.env.BULKHEAD_SCHEMATHESIS_EXAMPLES ?? '50',
      '--workers', '2', '--request-timeout', '20', '--generation-database', 'none', '--no-color', '--output-sanitize', 'true',
      // Replays a failing run: schemathesis prints its seed at the end of every report.
      ...(process.env.BULKHEAD_SCHEMATHESIS_SEED ? ['--seed', process.env.BULKHEAD_SCHEMATHESIS_SEED] : []),
    ];
    const started = Date.now();
    const result = await run(st, args, { cwd: dir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SCHEMATHESIS_HOOKS: '' } })
      .then(({ stdout }) => ({ code: 0, stdout }), (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }));
    const summary = result.stdout.split('\n').slice(-40).join('\n');
    console.log(`    schemathesis ran in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary.split('\n').filter((l) => /passed|failed|cases|operations/i.test(l)).join(' | ')}`);
    // On failure show the whole report (its ERRORS and FAILURES sections come before the summary).
    assert.equal(result.code, 0, `schemathesis found problems:\n${result.stdout.split('\n').slice(-400).join('\n')}`);
    assert.doesNotMatch(result.stdout, new RegExp(token), 'the token must not be printed');
  });
});
