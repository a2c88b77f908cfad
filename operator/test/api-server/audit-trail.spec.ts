/**
 * The onboarding API's audit trail in real PostgreSQL, behind real HTTP and the real control plane:
 * every mutating call (refused ones too) leaves an attempt and an outcome record naming the caller,
 * the request id, the status and what the call changed; two replicas appending at once keep one unbroken chain; the API's
 * role cannot rewrite history; and `bulkhead audit-trail verify`, run as a child process, names the
 * record a superuser tampered with or deleted.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { AuditRecord } from '../../src/api-server/audit-trail/record.js';
import { recordHash } from '../../src/api-server/audit-trail/record.js';
import { auditTrailTable } from '../../src/api-server/audit-trail/schema.js';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { verifyChain } from '../../src/api-server/audit-trail/verify.js';
import type { TenantStore } from '../../src/api-server/tenant-store.js';
import { prepareCluster } from '../support/setup.js';
import {
  allRecords,
  bulkheadAuditTrail,
  createTrailDatabase,
  recordsOfCall,
  withSuperuser,
  type TrailDatabase,
} from './audit-trail-database.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

/** Outcome records are written once the response is sent; wait for them rather than for a fixed time. */
async function waitForRecords(trail: PgAuditTrail, count: number): Promise<AuditRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = await allRecords(trail);
    if (records.length >= count || Date.now() > deadline) return records;
    await sleep(50);
  }
}

describe('the onboarding API audit trail', function () {
  let fixture: ApiFixture;
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  let api: RunningApi;
  const tokens: Record<'sales' | 'admin' | 'auditor', string> = { sales: '', admin: '', auditor: '' };
  const tenantName = `trail${runId}`;
  let keys = 0;
  const key = () => `trail-${runId}-${(keys += 1)}`;

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    tokens.sales = await fixture.mint('sales-ops', 'trail-sales');
    tokens.admin = await fixture.mint('platform-admin', 'trail-admin');
    tokens.auditor = await fixture.mint('auditor', 'trail-auditor');
    database = await createTrailDatabase(`trail_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    api = await listen(fixture.deps({ auditTrail: trail }));
  });

  after(async function () {
    await api?.close();
    await trail?.close();
    await database?.drop();
    const tenant = await fixture?.tenants.get(tenantName);
    if (tenant) await fixture.tenants.delete(tenantName, tenant.metadata.uid ?? '');
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    fixture?.client.close();
  });

  it('records create, patch, a refused patch and delete with actor, route, tenant, request id and outcome; reads not at all', async function () {
    const create = {
      reply: await call(api, 'POST', '/v1/tenants', {
        token: tokens.sales,
        body: newTenant(tenantName),
        headers: { 'idempotency-key': key() },
      }),
      method: 'POST',
      route: '/v1/tenants',
      actor: 'token:trail-sales',
      role: 'sales-ops',
      status: 202,
      problem: null,
      attemptTenant: null,
      changes: [
        { field: 'database.deletionPolicy', value: 'Retain' },
        { field: 'displayName', value: `Tenant ${tenantName}` },
        { field: 'encryption.keyRotation', value: true },
        { field: 'owners', value: [{ kind: 'Group', name: `${tenantName}-admins` }] },
        { field: 'plan', value: 'standard' },
        { field: 'region', value: 'eu-central-1' },
        { field: 'suspended', value: false },
      ],
    };
    assert.equal((await call(api, 'GET', `/v1/tenants/${tenantName}`, { token: tokens.admin })).status, 200);
    assert.equal((await call(api, 'GET', '/v1/tenants', { token: tokens.auditor })).status, 200);
    const calls = [
      create,
      {
        reply: await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: tokens.sales, body: { suspended: true } }),
        method: 'PATCH',
        route: '/v1/tenants/{name}',
        actor: 'token:trail-sales',
        role: 'sales-ops',
        status: 200,
        problem: null,
        attemptTenant: tenantName,
        changes: [{ field: 'suspended', value: true }],
      },
      {
        reply: await call(api, 'PATCH', `/v1/tenants/${tenantName}`, { token: tokens.auditor, body: { suspended: false } }),
        method: 'PATCH',
        route: '/v1/tenants/{name}',
        actor: 'token:trail-auditor',
        role: 'auditor',
        status: 403,
        problem: 'forbidden',
        attemptTenant: tenantName,
        changes: [],
      },
      {
        reply: await call(api, 'DELETE', `/v1/tenants/${tenantName}?confirmDeletionPolicy=Retain`, { token: tokens.admin }),
        method: 'DELETE',
        route: '/v1/tenants/{name}',
        actor: 'token:trail-admin',
        role: 'platform-admin',
        status: 202,
        problem: null,
        attemptTenant: tenantName,
        changes: [{ field: 'database.deletionPolicy', value: 'Retain' }],
      },
    ];
    assert.deepEqual(
      calls.map((c) => c.reply.status),
      calls.map((c) => c.status),
    );

    const records = await waitForRecords(trail, calls.length * 2);
    assert.equal(records.length, calls.length * 2, 'one attempt and one outcome per mutating call, nothing for reads');
    for (const expected of calls) {
      const requestId = expected.reply.headers.get('x-request-id');
      assert.match(requestId ?? '', /^[0-9a-f-]{36}$/);
      const mine = records.filter((r) => r.requestId === requestId);
      assert.deepEqual(
        mine.map((r) => r.phase),
        ['attempt', 'outcome'],
        `records of ${expected.method} ${expected.status}`,
      );
      const [attempt, outcome] = mine as [AuditRecord, AuditRecord];
      for (const record of mine) {
        assert.deepEqual(
          { actor: record.actorId, role: record.actorRole, method: record.method, route: record.route },
          { actor: expected.actor, role: expected.role, method: expected.method, route: expected.route },
        );
      }
      assert.equal(attempt.outcome, null);
      assert.equal(attempt.changes, null, 'an attempt is written before anything changes');
      assert.equal(attempt.tenant, expected.attemptTenant);
      assert.equal(outcome.tenant, tenantName);
      assert.deepEqual(outcome.outcome, { status: expected.status, problemType: expected.problem });
      assert.deepEqual(outcome.changes, expected.changes, `changes of ${expected.method} ${expected.status}`);
      assert.deepEqual(
        mine.map((r) => r.format),
        [2, 2],
      );
      assert.ok(outcome.id > attempt.id);
    }
    const rows = await withSuperuser(database.database, (client) =>
      client.query(`SELECT row_to_json(t)::text AS row FROM ${auditTrailTable} t`),
    );
    for (const token of Object.values(tokens))
      assert.ok(!rows.rows.some((r: { row: string }) => r.row.includes(token)), 'no token in the trail');
  });

  it('records the platform fields an admin set, the new plan, and chart values by key only; an idempotent replay changes nothing', async function () {
    const name = `${tenantName}-admin`;
    const body = newTenant(name, {
      app: { version: '1.4.2', values: { featureFlags: { beta: 'on-for-trail-spec' } } },
      network: { allowEgressCIDRs: ['203.0.113.0/24', '198.51.100.0/24'] },
      database: { deletionPolicy: 'Delete' },
    });
    const idempotencyKey = key();
    const created = await call(api, 'POST', '/v1/tenants', { token: tokens.admin, body, headers: { 'idempotency-key': idempotencyKey } });
    const replayed = await call(api, 'POST', '/v1/tenants', { token: tokens.admin, body, headers: { 'idempotency-key': idempotencyKey } });
    const moved = await call(api, 'PATCH', `/v1/tenants/${name}`, { token: tokens.admin, body: { plan: 'enterprise' } });
    try {
      assert.deepEqual(
        [created.status, replayed.status, replayed.headers.get('idempotent-replayed'), moved.status],
        [202, 202, 'true', 200],
      );
      const outcome = async (reply: Reply) =>
        (await recordsOfCall(trail, reply.headers.get('x-request-id')!)).find((r) => r.phase === 'outcome');
      const changes = new Map((await outcome(created))?.changes?.map((change) => [change.field, change.value]));
      assert.deepEqual(changes.get('network.allowEgressCIDRs'), ['203.0.113.0/24', '198.51.100.0/24']);
      assert.equal(changes.get('app.version'), '1.4.2');
      assert.equal(changes.get('database.deletionPolicy'), 'Delete');
      assert.deepEqual(changes.get('app.values'), ['featureFlags']);
      assert.deepEqual((await outcome(replayed))?.changes, []);
      assert.deepEqual((await outcome(moved))?.changes, [{ field: 'plan', value: 'enterprise' }]);
      const rows = await withSuperuser(database.database, (client) =>
        client.query(`SELECT row_to_json(t)::text AS row FROM ${auditTrailTable} t`),
      );
      assert.ok(!rows.rows.some((r: { row: string }) => r.row.includes('on-for-trail-spec')), 'no chart value in the trail');
    } finally {
      const tenant = await fixture.tenants.get(name);
      if (tenant) await fixture.tenants.delete(name, tenant.metadata.uid ?? '');
    }
  });

  it('records a body refused before it is read, without a tenant name', async function () {
    const before = (await allRecords(trail)).length;
    const reply = await call(api, 'POST', '/v1/tenants', { token: tokens.sales, raw: '{"name": ', headers: { 'idempotency-key': key() } });
    assert.equal(reply.status, 400);
    const records = (await waitForRecords(trail, before + 2)).slice(before);
    assert.deepEqual(
      records.map((r) => [r.phase, r.tenant, r.outcome]),
      [
        ['attempt', null, null],
        ['outcome', null, { status: 400, problemType: 'malformed-json' }],
      ],
    );
  });

  it('keeps one unbroken chain while two replicas take concurrent changes', async function () {
    const replicaTrail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    const replica = await listen(fixture.deps({ auditTrail: replicaTrail }));
    try {
      const before = (await allRecords(trail)).length;
      const requests = 24;
      const replies = await Promise.all(
        Array.from({ length: requests }, (_, i) =>
          call(i % 2 === 0 ? api : replica, 'PATCH', `/v1/tenants/${tenantName}-gone${i}`, {
            token: tokens.admin,
            body: { suspended: true },
          }),
        ),
      );
      assert.ok(replies.every((r) => r.status === 404));
      await waitForRecords(trail, before + requests * 2);
      const result = await verifyChain(trail.records());
      assert.equal(result.broken, undefined, JSON.stringify(result.broken));
      assert.equal(result.verified, before + requests * 2);
      const ids = new Set(replies.map((r) => r.headers.get('x-request-id')));
      const recorded = (await allRecords(trail)).filter((r) => ids.has(r.requestId));
      assert.equal(recorded.length, requests * 2);
    } finally {
      await replica.close();
      await replicaTrail.close();
    }
  });

  it('records what a change made even when the client hung up before the answer', async function () {
    const name = `${tenantName}-hangup`;
    const created = await call(api, 'POST', '/v1/tenants', {
      token: tokens.admin,
      body: newTenant(name),
      headers: { 'idempotency-key': key() },
    });
    assert.equal(created.status, 202);
    // Its outcome is written after the answer: wait for it, so that the next two records are the PATCH's.
    assert.equal((await recordsOfCall(trail, created.headers.get('x-request-id')!)).length, 2);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const patching = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow: TenantStore = Object.create(fixture.tenants) as TenantStore;
    slow.mergePatch = async (tenant, patch) => {
      entered();
      await gate;
      return fixture.tenants.mergePatch(tenant, patch);
    };
    const slowApi = await listen(fixture.deps({ auditTrail: trail, tenants: slow }));
    try {
      const before = (await allRecords(trail)).length;
      const body = JSON.stringify({ suspended: true });
      const hangingUp = httpRequest({
        host: '127.0.0.1',
        port: new URL(slowApi.url).port,
        method: 'PATCH',
        path: `/v1/tenants/${name}`,
        agent: false,
        headers: {
          authorization: `Bearer ${tokens.admin}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      });
      hangingUp.on('error', () => undefined);
      hangingUp.end(body);
      await patching;
      hangingUp.destroy();
      // Only once the server has seen the hang-up does the route go on to change the tenant.
      for (let polls = 0; (await slowApi.connections()) > 0 && polls < 500; polls++) await sleep(10);
      release();
      const records = (await waitForRecords(trail, before + 2)).slice(before);
      assert.deepEqual(
        records.map((r) => [r.phase, r.method, r.tenant]),
        [
          ['attempt', 'PATCH', name],
          ['outcome', 'PATCH', name],
        ],
      );
      assert.deepEqual(records[1]?.outcome, { status: 200, problemType: 'connection-closed' });
      assert.deepEqual(records[1]?.changes, [{ field: 'suspended', value: true }], 'what the route changed after the client left');
      assert.equal((await fixture.tenants.get(name))?.spec.suspended, true);
    } finally {
      release();
      await slowApi.close();
      const tenant = await fixture.tenants.get(name);
      if (tenant) await fixture.tenants.delete(name, tenant.metadata.uid ?? '');
    }
  });

  it('refuses a change it cannot record (503) and changes nothing', async function () {
    const refusedName = `${tenantName}-unrecorded`;
    await withSuperuser(database.database, (client) => client.query(`REVOKE INSERT ON ${auditTrailTable} FROM "${database.apiRole}"`));
    try {
      const reply = await call(api, 'POST', '/v1/tenants', {
        token: tokens.admin,
        body: newTenant(refusedName),
        headers: { 'idempotency-key': key() },
      });
      assert.equal(reply.status, 503);
      assert.equal((reply.body as { type: string }).type, 'https://bulkhead.dev/problems/audit-trail-unavailable');
      assert.equal(await fixture.tenants.get(refusedName), undefined);
    } finally {
      await withSuperuser(database.database, (client) => client.query(`GRANT INSERT ON ${auditTrailTable} TO "${database.apiRole}"`));
    }
  });

  it('lets the API role neither update, delete nor truncate a record, and the trigger refuses even the owner', async function () {
    const asApi = new pg.Client({ connectionString: database.apiUrl });
    await asApi.connect();
    try {
      for (const statement of [
        `UPDATE ${auditTrailTable} SET status = 200 WHERE id = 1`,
        `DELETE FROM ${auditTrailTable} WHERE id = 1`,
        `TRUNCATE ${auditTrailTable}`,
        `ALTER TABLE ${auditTrailTable} DISABLE TRIGGER refuse_update_delete`,
      ]) {
        await assert.rejects(asApi.query(statement), /permission denied|must be owner/, statement);
      }
    } finally {
      await asApi.end();
    }
    await withSuperuser(database.database, async (client) => {
      for (const statement of [
        `UPDATE ${auditTrailTable} SET status = 200 WHERE id = 2`,
        `DELETE FROM ${auditTrailTable} WHERE id = 1`,
        `TRUNCATE ${auditTrailTable}`,
      ]) {
        await assert.rejects(client.query(statement), /the audit trail is append-only/, statement);
      }
    });
    assert.equal((await verifyChain(trail.records())).broken, undefined);
  });

  describe('bulkhead audit-trail verify', function () {
    it('exits 0 on an untampered trail, printing the count and the head hash (text and JSON)', async function () {
      const records = await allRecords(trail);
      const head = records.at(-1);
      const text = await bulkheadAuditTrail(database.apiUrl, 'verify');
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`verified ${records.length} records; head is record ${head?.id} with hash ${head?.hash}`));
      const json = await bulkheadAuditTrail(database.apiUrl, 'verify', '--format', 'json');
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), { intact: true, verified: records.length, headId: head?.id, headHash: head?.hash });
    });

    it('exits 1 naming a record a superuser edited behind the disabled trigger, and again once its hash was recomputed', async function () {
      const victim = (await allRecords(trail)).find((r) => r.phase === 'outcome' && r.outcome?.status === 403);
      assert.ok(victim);
      await tamper(`UPDATE ${auditTrailTable} SET status = 200, problem_type = NULL WHERE id = ${victim.id}`);
      const edited = await bulkheadAuditTrail(database.apiUrl, 'verify');
      assert.equal(edited.code, 1, edited.stdout);
      assert.match(edited.stdout, new RegExp(`BROKEN at record ${victim.id}: hash-mismatch`));

      const forged = { ...victim, outcome: { status: 200, problemType: null } };
      await tamper(`UPDATE ${auditTrailTable} SET hash = '${recordHash(forged.id, forged.previousHash, forged)}' WHERE id = ${victim.id}`);
      const rehashed = await bulkheadAuditTrail(database.apiUrl, 'verify', '--format', 'json');
      assert.equal(rehashed.code, 1, rehashed.stdout);
      assert.deepEqual((JSON.parse(rehashed.stdout) as { broken: { id: number; kind: string } }).broken.id, victim.id + 1);
      assert.equal((JSON.parse(rehashed.stdout) as { broken: { kind: string } }).broken.kind, 'previous-hash-mismatch');

      await tamper(
        `UPDATE ${auditTrailTable} SET status = 403, problem_type = 'forbidden', hash = '${victim.hash}' WHERE id = ${victim.id}`,
      );
      assert.equal((await bulkheadAuditTrail(database.apiUrl, 'verify')).code, 0, 'restored to the original, the chain verifies again');
    });

    it('exits 1 naming the record after a deleted one', async function () {
      await tamper(`DELETE FROM ${auditTrailTable} WHERE id = 3`);
      const result = await bulkheadAuditTrail(database.apiUrl, 'verify');
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, /BROKEN at record 4: id-gap: expected id 3, found 4: records 3 to 3 are missing/);
    });
  });

  /** What an attacker with superuser rights does: switch the trigger off, rewrite, switch it on. */
  async function tamper(statement: string): Promise<void> {
    await withSuperuser(database.database, async (client) => {
      await client.query(`ALTER TABLE ${auditTrailTable} DISABLE TRIGGER refuse_update_delete`);
      await client.query(statement);
      await client.query(`ALTER TABLE ${auditTrailTable} ENABLE TRIGGER refuse_update_delete`);
    });
  }
});
