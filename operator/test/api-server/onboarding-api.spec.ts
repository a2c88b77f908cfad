/**
 * The onboarding API over real HTTP, in front of the real control plane: each role does what it
 * may and nothing more, retries are idempotent, listings page, and every bad request is a 4xx
 * problem that creates no Tenant. Responses are checked against the schemas the OpenAPI document
 * is generated from.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { prepareCluster } from '../support/setup.js';
import { InFlightRequests } from '../../src/api-server/idempotency.js';
import { LocalRateLimit } from '../../src/api-server/rate-limit/local.js';
import { HealthSchema, PlanListSchema, ProblemSchema, TenantListSchema, TenantSummarySchema } from '../../src/api-server/schemas.js';
import type { TenantStore } from '../../src/api-server/tenant-store.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

/** The parts of an OpenAPI document the structural check reads. */
const OpenApiShape = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string().min(1), version: z.string().min(1) }),
  paths: z.record(z.string(), z.record(z.string(), z.object({ operationId: z.string(), responses: z.record(z.string(), z.unknown()) }))),
  components: z.object({ schemas: z.record(z.string(), z.object({ additionalProperties: z.unknown().optional() }).loose()) }),
});

function expectProblem(reply: Reply, status: number, field?: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = ProblemSchema.parse(reply.body);
  assert.equal(problem.status, status);
  if (field)
    assert.ok(
      problem.errors.some((e) => e.field === field),
      `no error on ${field}: ${JSON.stringify(problem.errors)}`,
    );
}

describe('the onboarding API', function () {
  let fixture: ApiFixture;
  let api: RunningApi;
  let sales: string;
  let admin: string;
  let auditor: string;
  const created: string[] = [];
  const name = (label: string) => {
    const tenantName = `api${runId}-${label}`;
    created.push(tenantName);
    return tenantName;
  };
  let keys = 0;
  const key = () => `key-${runId}-${(keys += 1)}`;

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    [sales, admin, auditor] = [await fixture.mint('sales-ops'), await fixture.mint('platform-admin'), await fixture.mint('auditor')];
    api = await listen(fixture.deps());
  });

  after(async function () {
    await api?.close();
    for (const tenantName of created) {
      const tenant = await fixture.tenants.get(tenantName);
      if (tenant?.metadata.finalizers?.length) await fixture.tenants.mergePatch(tenantName, { metadata: { finalizers: null } });
      if (tenant) await fixture.tenants.delete(tenantName, tenant.metadata.uid ?? '');
    }
    await fixture.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    fixture.client.close();
  });

  describe('probes, headers and the OpenAPI document', function () {
    it('answers /healthz and /readyz without a token, with security headers', async function () {
      for (const path of ['/healthz', '/readyz']) {
        const reply = await call(api, 'GET', path);
        assert.equal(reply.status, 200);
        HealthSchema.parse(reply.body);
        assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(reply.headers.get('cache-control'), 'no-store');
        assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
        assert.equal(reply.headers.get('x-powered-by'), null);
      }
    });

    it('serves a structurally valid OpenAPI 3.1 document whose references all resolve', async function () {
      const reply = await call(api, 'GET', '/openapi.json', { token: auditor });
      assert.equal(reply.status, 200);
      const document = OpenApiShape.parse(reply.body);
      assert.equal(document.openapi, '3.1.0');
      assert.ok(document.info.title && document.info.version);
      const paths = ['/v1/tenants', '/v1/tenants/{name}', '/v1/tenants/{name}/backups', '/v1/tenants/{name}/restores'];
      for (const path of [...paths, '/v1/tenants/{name}/restores/{restore}', '/v1/plans', '/healthz', '/readyz', '/openapi.json'])
        assert.ok(document.paths[path], path);
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          assert.ok(operation.operationId && Object.keys(operation.responses).length > 0, `${method} ${path}`);
        }
      }
      const references = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(references.length > 10);
      for (const reference of references) {
        const id = reference.replace(/^"\$ref":"#\/components\/schemas\//, '').replace(/"$/, '');
        assert.ok(document.components.schemas[id], `unresolved ${reference}`);
      }
      assert.equal(document.components.schemas.CreateTenantRequest?.additionalProperties, false);
    });
  });

  describe('authentication', function () {
    it('refuses a missing, forged, malformed or non-bearer token with 401', async function () {
      const missing = await call(api, 'GET', '/v1/tenants');
      expectProblem(missing, 401, 'Authorization');
      assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
      expectProblem(await call(api, 'GET', '/v1/tenants', { token: `bht_${'A'.repeat(43)}` }), 401);
      expectProblem(await call(api, 'GET', '/v1/tenants', { token: 'eyJhbGciOiJub25lIn0.e30.' }), 401);
      expectProblem(await call(api, 'GET', '/v1/tenants', { headers: { authorization: `Basic ${sales}` } }), 401);
    });

    it('refuses a revoked token and an expired one', async function () {
      const token = await fixture.mint('sales-ops', 'short-lived');
      assert.equal((await call(api, 'GET', '/v1/plans', { token })).status, 200);
      assert.ok(await fixture.tokens.revoke('short-lived'));
      expectProblem(await call(api, 'GET', '/v1/plans', { token }), 401);

      const expiring = await fixture.mint('auditor', 'expiring');
      const record = (await fixture.tokens.records(Date.now(), true)).get('expiring')!;
      const expired = { ...record, expires: new Date(Date.now() - 1000).toISOString() };
      await fixture.client.mergePatch(
        { apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret },
        { data: { expiring: Buffer.from(JSON.stringify(expired)).toString('base64') } },
        { fieldManager: 'test' },
      );
      expectProblem(await call(api, 'GET', '/v1/plans', { token: expiring }), 401);
    });

    it('stores only hashes in the Secret', async function () {
      const secret = await fixture.client.get<{ metadata: { name: string }; data: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'Secret',
        ...fixture.tokenSecret,
      });
      const stored = Object.values(secret!.data).map((value) => Buffer.from(value, 'base64').toString());
      for (const token of [sales, admin, auditor]) assert.ok(!stored.some((text) => text.includes(token.slice(4))));
      assert.ok(stored.every((text) => /"hash":"sha256:[0-9a-f]{64}"/.test(text)));
    });
  });

  describe('sales ops', function () {
    it('onboards a tenant: 202 with a Location and a summary', async function () {
      const tenantName = name('sales');
      const reply = await call(api, 'POST', '/v1/tenants', {
        token: sales,
        body: newTenant(tenantName, { app: { values: { featureFlags: { beta: true } } } }),
        headers: { 'idempotency-key': key() },
      });
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
      assert.equal(reply.headers.get('location'), `/v1/tenants/${tenantName}`);
      const summary = TenantSummarySchema.parse(reply.body);
      assert.equal(summary.ready, false);
      assert.equal(summary.createdBy, 'token:sales-ops-1');
      const stored = await fixture.tenants.get(tenantName);
      assert.equal(stored?.spec.database.deletionPolicy, 'Retain');
      assert.deepEqual(stored?.spec.app?.values, { featureFlags: { beta: true } });
    });

    it('reads it, changes its plan, suspends and resumes it', async function () {
      const tenantName = `api${runId}-sales`;
      const read = await call(api, 'GET', `/v1/tenants/${tenantName}`, { token: sales });
      assert.equal(TenantSummarySchema.parse(read.body).plan, 'standard');
      const moved = await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: sales, body: { plan: 'enterprise' } });
      assert.equal(TenantSummarySchema.parse(moved.body).plan, 'enterprise');
      const suspended = await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: sales, body: { suspended: true } });
      assert.equal(TenantSummarySchema.parse(suspended.body).state, 'Suspended');
      const resumed = await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: sales, body: { suspended: false } });
      assert.equal(TenantSummarySchema.parse(resumed.body).suspended, false);
      assert.equal((await fixture.tenants.get(tenantName))?.spec.plan, 'enterprise');
    });

    it('may not set platform-only fields, nor delete', async function () {
      const tenantName = name('sales-platform');
      const reply = await call(api, 'POST', '/v1/tenants', {
        token: sales,
        headers: { 'idempotency-key': key() },
        body: newTenant(tenantName, {
          app: { version: '9.9.9' },
          network: { allowEgressCIDRs: ['0.0.0.0/0'] },
          database: { deletionPolicy: 'Delete' },
        }),
      });
      expectProblem(reply, 403, 'app.version');
      assert.deepEqual(
        ProblemSchema.parse(reply.body).errors.map((e) => e.field),
        ['app.version', 'network', 'database.deletionPolicy'],
      );
      assert.equal(await fixture.tenants.get(tenantName), undefined);
      expectProblem(await call(api, 'DELETE', `/v1/tenants/api${runId}-sales?confirmDeletionPolicy=Retain`, { token: sales }), 403);
    });

    it('lists the plans', async function () {
      const reply = await call(api, 'GET', '/v1/plans', { token: sales });
      const plans = PlanListSchema.parse(reply.body);
      assert.deepEqual(
        plans.items
          .map((plan) => plan.name)
          .filter((n) => ['standard', 'enterprise'].includes(n))
          .sort(),
        ['enterprise', 'standard'],
      );
    });
  });

  describe('auditors', function () {
    it('read tenants and plans but change nothing', async function () {
      const tenantName = `api${runId}-sales`;
      assert.equal((await call(api, 'GET', `/v1/tenants/${tenantName}`, { token: auditor })).status, 200);
      assert.equal((await call(api, 'GET', '/v1/tenants?limit=1', { token: auditor })).status, 200);
      const probe = name('auditor');
      expectProblem(
        await call(api, 'POST', '/v1/tenants', { token: auditor, body: newTenant(probe), headers: { 'idempotency-key': key() } }),
        403,
        'role',
      );
      expectProblem(await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: auditor, body: { suspended: true } }), 403);
      expectProblem(await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: auditor, body: { bogus: 1 } }), 403);
      expectProblem(await call(api, 'DELETE', `/v1/tenants/${tenantName}?confirmDeletionPolicy=Retain`, { token: auditor }), 403);
      assert.equal(await fixture.tenants.get(probe), undefined);
      assert.equal((await fixture.tenants.get(tenantName))?.spec.suspended, false);
    });
  });

  describe('platform admins', function () {
    it('set platform fields, and delete only when confirming the deletion policy', async function () {
      const tenantName = name('admin');
      const createReply = await call(api, 'POST', '/v1/tenants', {
        token: admin,
        headers: { 'idempotency-key': key() },
        body: newTenant(tenantName, { app: { version: '1.4.2', pinned: true }, database: { deletionPolicy: 'Delete' } }),
      });
      assert.equal(createReply.status, 202, JSON.stringify(createReply.body));
      assert.equal(TenantSummarySchema.parse(createReply.body).deletionPolicy, 'Delete');
      expectProblem(await call(api, 'DELETE', `/v1/tenants/${tenantName}`, { token: admin }), 422, 'confirmDeletionPolicy');
      expectProblem(
        await call(api, 'DELETE', `/v1/tenants/${tenantName}?confirmDeletionPolicy=Retain`, { token: admin }),
        409,
        'confirmDeletionPolicy',
      );
      assert.ok(await fixture.tenants.get(tenantName));
      const deleted = await call(api, 'DELETE', `/v1/tenants/${tenantName}?confirmDeletionPolicy=Delete`, { token: admin });
      assert.equal(deleted.status, 202);
      TenantSummarySchema.parse(deleted.body);
      expectProblem(await call(api, 'DELETE', `/v1/tenants/${tenantName}?confirmDeletionPolicy=Delete`, { token: admin }), 404);
    });
  });

  describe('idempotency', function () {
    it('replays a retry with the same key and body, in any key order, even after a restart', async function () {
      const tenantName = name('idem');
      const idempotencyKey = key();
      const body = newTenant(tenantName);
      const first = await call(api, 'POST', '/v1/tenants', { token: sales, body, headers: { 'idempotency-key': `"${idempotencyKey}"` } });
      assert.equal(first.status, 202);
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const retry = await call(api, 'POST', '/v1/tenants', {
        token: sales,
        body: reordered,
        headers: { 'idempotency-key': `"${idempotencyKey}"` },
      });
      assert.equal(retry.status, 202);
      assert.equal(retry.headers.get('location'), first.headers.get('location'));
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');

      const restarted = await listen(fixture.deps());
      try {
        const afterRestart = await call(restarted, 'POST', '/v1/tenants', {
          token: sales,
          body,
          headers: { 'idempotency-key': idempotencyKey },
        });
        assert.equal(afterRestart.status, 202);
        assert.equal(afterRestart.headers.get('idempotent-replayed'), 'true');
      } finally {
        await restarted.close();
      }
    });

    it('refuses the same key with another body (422) and a new key for an existing name (409)', async function () {
      const tenantName = `api${runId}-idem`;
      const reused = await call(api, 'POST', '/v1/tenants', {
        token: sales,
        body: newTenant(tenantName, { displayName: 'Other' }),
        headers: { 'idempotency-key': `key-${runId}-${keys}` },
      });
      // keys was not advanced: the last key used is the one of the replay test above.
      expectProblem(reused, 422, 'Idempotency-Key');
      expectProblem(
        await call(api, 'POST', '/v1/tenants', { token: sales, body: newTenant(tenantName), headers: { 'idempotency-key': key() } }),
        409,
        'name',
      );
    });

    it('requires the key', async function () {
      const tenantName = name('nokey');
      expectProblem(await call(api, 'POST', '/v1/tenants', { token: sales, body: newTenant(tenantName) }), 400, 'Idempotency-Key');
      assert.equal(await fixture.tenants.get(tenantName), undefined);
    });

    it('answers 409 to a retry while the first request is still in flight', async function () {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered!: () => void;
      const creating = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const slow: TenantStore = Object.create(fixture.tenants) as TenantStore;
      slow.create = async (tenant) => {
        entered();
        await gate;
        return fixture.tenants.create(tenant);
      };
      const slowApi = await listen(fixture.deps({ tenants: slow, inFlight: new InFlightRequests() }));
      try {
        const tenantName = name('inflight');
        const idempotencyKey = key();
        const first = call(slowApi, 'POST', '/v1/tenants', {
          token: sales,
          body: newTenant(tenantName),
          headers: { 'idempotency-key': idempotencyKey },
        });
        await creating;
        expectProblem(
          await call(slowApi, 'POST', '/v1/tenants', {
            token: sales,
            body: newTenant(tenantName),
            headers: { 'idempotency-key': idempotencyKey },
          }),
          409,
          'Idempotency-Key',
        );
        release();
        assert.equal((await first).status, 202);
        assert.equal(
          (
            await call(slowApi, 'POST', '/v1/tenants', {
              token: sales,
              body: newTenant(tenantName),
              headers: { 'idempotency-key': idempotencyKey },
            })
          ).status,
          202,
        );
      } finally {
        release();
        await slowApi.close();
      }
    });
  });

  describe('listing', function () {
    const region = `xx-pages-${Math.floor(Math.random() * 1e6)}`;

    before(async function () {
      for (let i = 0; i < 5; i++) {
        const reply = await call(api, 'POST', '/v1/tenants', {
          token: sales,
          headers: { 'idempotency-key': key() },
          body: newTenant(name(`page${i}`), { region, plan: i === 4 ? 'enterprise' : 'standard' }),
        });
        assert.equal(reply.status, 202, JSON.stringify(reply.body));
      }
    });

    it('pages through a filtered listing with an opaque cursor', async function () {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `region=${region}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const reply = await call(api, 'GET', `/v1/tenants?${query}`, { token: auditor });
        const page = TenantListSchema.parse(reply.body);
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((item) => item.name));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      assert.deepEqual(
        seen,
        [0, 1, 2, 3, 4].map((i) => `api${runId}-page${i}`),
      );
      assert.equal(pages, 3);
    });

    it('filters by plan and readiness', async function () {
      const enterprise = TenantListSchema.parse(
        (await call(api, 'GET', `/v1/tenants?region=${region}&plan=enterprise`, { token: auditor })).body,
      );
      assert.deepEqual(
        enterprise.items.map((item) => item.name),
        [`api${runId}-page4`],
      );
      const ready = TenantListSchema.parse((await call(api, 'GET', `/v1/tenants?region=${region}&ready=true`, { token: auditor })).body);
      assert.deepEqual(ready.items, []);
      const notReady = TenantListSchema.parse(
        (await call(api, 'GET', `/v1/tenants?region=${region}&ready=false`, { token: auditor })).body,
      );
      assert.equal(notReady.items.length, 5);
    });

    it('refuses a forged cursor, a bad limit and unknown query parameters', async function () {
      expectProblem(await call(api, 'GET', '/v1/tenants?cursor=Zm9yZ2Vk', { token: auditor }), 400, 'cursor');
      expectProblem(await call(api, 'GET', '/v1/tenants?limit=0', { token: auditor }), 422, 'limit');
      expectProblem(await call(api, 'GET', '/v1/tenants?limit=abc', { token: auditor }), 422, 'limit');
      expectProblem(await call(api, 'GET', '/v1/tenants?namespace=x', { token: auditor }), 422, 'namespace');
    });
  });

  describe('bad input', function () {
    const attempt = (options: { body?: unknown; raw?: string; headers?: Record<string, string> }) =>
      call(api, 'POST', '/v1/tenants', { token: admin, ...options, headers: { 'idempotency-key': key(), ...options.headers } });

    it('refuses malformed JSON, wrong types, unknown fields and oversized bodies, creating nothing', async function () {
      const tenantName = name('bad');
      expectProblem(await attempt({ raw: `{"name": "${tenantName}",` }), 400, 'body');
      expectProblem(await attempt({ raw: '"just a string"' }), 400, 'body');
      expectProblem(await attempt({ body: [newTenant(tenantName)] }), 422, 'body');
      expectProblem(await attempt({ body: newTenant(tenantName, { owners: 'everyone' }) }), 422, 'owners');
      expectProblem(await attempt({ body: newTenant(tenantName, { displayName: 42 }) }), 422, 'displayName');
      expectProblem(await attempt({ body: newTenant(tenantName, { status: { conditions: [] } }) }), 422, 'status');
      expectProblem(await attempt({ body: newTenant(tenantName, { namespace: 'kube-system' }) }), 422, 'namespace');
      expectProblem(
        await attempt({ body: newTenant(tenantName, { owners: [{ kind: 'Group', name: 'system:authenticated' }] }) }),
        422,
        'owners.0.name',
      );
      expectProblem(await attempt({ body: newTenant(tenantName, { plan: 'no-such-plan' }) }), 422, 'plan');
      expectProblem(await attempt({ body: newTenant(tenantName, { app: { values: { image: 'evil' } } }) }), 422, 'app.values.image');
      expectProblem(await attempt({ body: newTenant(tenantName, { padding: 'x'.repeat(70 * 1024) }) }), 413, 'body');
      expectProblem(await attempt({ raw: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'Content-Type');
      assert.equal(await fixture.tenants.get(tenantName), undefined);
    });

    it('refuses hostile names, in the body and in the path', async function () {
      for (const hostile of ['kube-system', 'bulkhead-system', 'default', '../../etc', 'Acme', 'a'.repeat(41), "x'; drop", '']) {
        expectProblem(await attempt({ body: newTenant(hostile) }), 422, 'name');
      }
      expectProblem(await call(api, 'GET', '/v1/tenants/..%2F..%2Fapi', { token: auditor }), 404);
      expectProblem(await call(api, 'GET', `/v1/tenants/${'a'.repeat(300)}`, { token: auditor }), 404);
      expectProblem(await call(api, 'PATCH', '/v1/tenants/kube-system', { token: admin, body: { suspended: true } }), 404);
    });

    it('answers 404, not a server error, to a patch whose tenant is deleted while it is in flight', async function () {
      const tenantName = name('deleted-midway');
      assert.equal(
        (await call(api, 'POST', '/v1/tenants', { token: admin, body: newTenant(tenantName), headers: { 'idempotency-key': key() } }))
          .status,
        202,
      );
      // Another caller's DELETE lands between this PATCH reading the tenant and writing it.
      const racing: TenantStore = Object.create(fixture.tenants) as TenantStore;
      racing.mergePatch = async (tenantToPatch, patch) => {
        const current = await fixture.tenants.get(tenantToPatch);
        await fixture.tenants.delete(tenantToPatch, current?.metadata.uid ?? '');
        return fixture.tenants.mergePatch(tenantToPatch, patch);
      };
      const racingApi = await listen(fixture.deps({ tenants: racing }));
      try {
        expectProblem(await call(racingApi, 'PATCH', `/v1/tenants/${tenantName}`, { token: admin, body: { suspended: true } }), 404);
      } finally {
        await racingApi.close();
      }
    });

    it('refuses an empty or unknown patch', async function () {
      const tenantName = `api${runId}-sales`;
      expectProblem(await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: sales, body: {} }), 422);
      expectProblem(await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: sales, body: { region: 'us-east-1' } }), 422, 'region');
      expectProblem(await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: sales, body: { plan: 'no-such-plan' } }), 422, 'plan');
    });
  });

  describe('rate limiting', function () {
    it('answers 429 with Retry-After once a token spends its burst', async function () {
      const limited = await listen(fixture.deps({ rateLimit: new LocalRateLimit({ capacity: 2, refillPerSecond: 0.1 }) }));
      try {
        for (let i = 0; i < 2; i++) assert.equal((await call(limited, 'GET', '/v1/plans', { token: auditor })).status, 200);
        const refused = await call(limited, 'GET', '/v1/plans', { token: auditor });
        expectProblem(refused, 429);
        assert.ok(Number(refused.headers.get('retry-after')) >= 1);
        assert.equal((await call(limited, 'GET', '/v1/plans', { token: sales })).status, 200);
      } finally {
        await limited.close();
      }
    });
  });
});
