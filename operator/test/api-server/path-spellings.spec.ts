/**
 * Every way of spelling a mutating call's path, sent byte for byte over real HTTP to the real app in
 * front of the real control plane and a real audit trail: each spelling either reaches a route and
 * is in the trail (an attempt and an outcome under the route's template, naming the tenant and what
 * changed), or reaches no route, is answered with a 404 problem (400 for a malformed escape), leaves
 * no record and changes nothing. Routing is case-sensitive and strict, and express matches the path
 * as sent: it neither lowercases, merges slashes, resolves dot segments nor decodes the fixed part
 * of a path. It does decode a path parameter, so a percent-encoded tenant name reaches the route,
 * which records it under the decoded name.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditRecord } from '../../src/api-server/audit-trail/record.js';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { verifyChain } from '../../src/api-server/audit-trail/verify.js';
import { ProblemSchema } from '../../src/api-server/schemas.js';
import { prepareCluster } from '../support/setup.js';
import { allRecords, createTrailDatabase, recordsOfCall, type TrailDatabase } from './audit-trail-database.js';
import { apiFixture, call, listen, newTenant, rawCall, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

/**
 * One spelling: the request target it sends (given the tenant name and the API's origin), whether
 * it must reach the route, and the tenant the trail must then name (null: the route refuses the
 * name, 404, and records no tenant).
 */
interface Spelling {
  kind: string;
  target: (name: string, origin: string) => string;
  expect: 'recorded' | 'unmatched';
  recordsTenant?: boolean;
  status?: number;
}

const unmatched = (kind: string, target: Spelling['target'], status = 404): Spelling => ({ kind, target, expect: 'unmatched', status });
const recorded = (kind: string, target: Spelling['target'], recordsTenant = true): Spelling => ({
  kind,
  target,
  expect: 'recorded',
  recordsTenant,
});

/** Every character percent-encoded, as a client hiding the name from a path filter would send it. */
const encodeEvery = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

const collectionSpellings: Spelling[] = [
  recorded('the route itself', () => '/v1/tenants'),
  recorded('a query string', () => '/v1/tenants?ignored=1'),
  recorded('a fragment', () => '/v1/tenants#ignored'),
  recorded('the absolute form a proxy sends', (_name, origin) => `${origin}/v1/tenants`),
  unmatched('letter case', () => '/V1/Tenants'),
  unmatched('letter case', () => '/V1/TENANTS'),
  unmatched('letter case', () => '/v1/Tenants'),
  unmatched('a trailing slash', () => '/v1/tenants/'),
  unmatched('a doubled slash', () => '//v1/tenants'),
  unmatched('a doubled slash', () => '/v1//tenants'),
  unmatched('a doubled slash, absolute form', (_name, origin) => `${origin}//v1/tenants`),
  unmatched('a dot segment', () => '/v1/./tenants'),
  unmatched('a dot segment', () => '/./v1/tenants'),
  unmatched('a dot-dot segment', () => '/v1/x/../tenants'),
  unmatched('a trailing dot segment', () => '/v1/tenants/.'),
  unmatched('percent-encoding', () => '/v1/%74enants'),
  unmatched('percent-encoding', () => `/v1/${encodeEvery('tenants')}`),
  unmatched('percent-encoding', () => `/${encodeEvery('v1')}/tenants`),
  unmatched('an encoded slash', () => '/v1%2Ftenants'),
  unmatched('an encoded slash', () => '/v1%2ftenants'),
  unmatched('a trailing encoded slash', () => '/v1/tenants%2F'),
  unmatched('a path parameter', () => '/v1/tenants;x'),
];

const itemSpellings: Spelling[] = [
  recorded('the route itself', (name) => `/v1/tenants/${name}`),
  recorded('a percent-encoded name', (name) => `/v1/tenants/${encodeEvery(name)}`),
  recorded('the absolute form a proxy sends', (name, origin) => `${origin}/v1/tenants/${name}`),
  recorded('an upper-case name, refused by the route', (name) => `/v1/tenants/${name.toUpperCase()}`, false),
  recorded('an encoded slash in the name, refused by the route', (name) => `/v1/tenants/${name}%2F`, false),
  recorded('an encoded dot-dot name, refused by the route', () => '/v1/tenants/%2e%2e', false),
  recorded('a dot-dot name, refused by the route', () => '/v1/tenants/..', false),
  unmatched('letter case', (name) => `/V1/TENANTS/${name}`),
  unmatched('letter case', (name) => `/v1/Tenants/${name}`),
  unmatched('a trailing slash', (name) => `/v1/tenants/${name}/`),
  unmatched('a doubled slash', (name) => `//v1/tenants/${name}`),
  unmatched('a doubled slash', (name) => `/v1//tenants/${name}`),
  unmatched('a doubled slash', (name) => `/v1/tenants//${name}`),
  unmatched('a dot segment', (name) => `/v1/./tenants/${name}`),
  unmatched('a dot segment', (name) => `/v1/tenants/./${name}`),
  unmatched('a trailing dot segment', (name) => `/v1/tenants/${name}/.`),
  unmatched('a dot-dot segment', (name) => `/v1/tenants/x/../${name}`),
  unmatched('a dot-dot segment', (name) => `/v1/x/../tenants/${name}`),
  unmatched('percent-encoding', (name) => `/v1/%74enants/${name}`),
  unmatched('percent-encoding', (name) => `/${encodeEvery('v1')}/${encodeEvery('tenants')}/${name}`),
  unmatched('an encoded slash', (name) => `/v1/tenants%2F${name}`),
  unmatched('an encoded slash', (name) => `/v1%2Ftenants%2F${name}`),
  unmatched('a malformed escape', () => '/v1/tenants/%zz', 400),
];

describe('the onboarding API under every spelling of a mutating path', function () {
  let fixture: ApiFixture;
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  let api: RunningApi;
  let admin: string;
  const tenant = `spell${runId}`;
  const created = [tenant];
  let keys = 0;
  const key = () => `spell-${runId}-${(keys += 1)}`;

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    admin = await fixture.mint('platform-admin', 'spell-admin');
    database = await createTrailDatabase(`spell_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    api = await listen(fixture.deps({ auditTrail: trail }));
  });

  after(async function () {
    await api?.close();
    await trail?.close();
    await database?.drop();
    for (const name of created) {
      const existing = await fixture?.tenants.get(name);
      if (existing) await fixture.tenants.delete(name, existing.metadata.uid ?? '');
    }
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    fixture?.client.close();
  });

  /** A spelling that reached no route: a clean problem, no request id, no record. */
  async function expectUnmatched(reply: Reply, spelling: Spelling, recordsBefore: number): Promise<void> {
    assert.equal(reply.status, spelling.status, `${spelling.kind}: ${JSON.stringify(reply.body)}`);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/, spelling.kind);
    ProblemSchema.parse(reply.body);
    assert.equal(reply.headers.get('x-request-id'), null, `${spelling.kind}: no route, so no call to record`);
    assert.equal((await allRecords(trail)).length, recordsBefore, `${spelling.kind}: nothing recorded`);
  }

  /** A spelling that reached a route: its attempt and outcome, under the route's template. */
  async function expectRecorded(reply: Reply, method: string, route: string, tenantName: string | null): Promise<AuditRecord> {
    const requestId = reply.headers.get('x-request-id');
    assert.match(requestId ?? '', /^[0-9a-f-]{36}$/, `a recorded call carries its request id (status ${reply.status})`);
    const records = await recordsOfCall(trail, requestId!);
    assert.deepEqual(
      records.map((r) => r.phase),
      ['attempt', 'outcome'],
    );
    for (const record of records) {
      assert.deepEqual(
        { method: record.method, route: record.route, actor: record.actorId },
        { method, route, actor: 'token:spell-admin' },
      );
    }
    const [attempt, outcome] = records as [AuditRecord, AuditRecord];
    assert.equal(attempt.tenant, method === 'POST' ? null : tenantName);
    assert.equal(outcome.tenant, tenantName);
    assert.equal(outcome.outcome?.status, reply.status);
    return outcome;
  }

  /** The tenant the item spellings act on, created again after a spelling deleted it. */
  async function ensureTenant() {
    for (let waited = 0; (await fixture.tenants.get(tenant))?.metadata.deletionTimestamp && waited < 100; waited++) await sleep(100);
    const existing = await fixture.tenants.get(tenant);
    if (existing) return existing;
    const reply = await call(api, 'POST', '/v1/tenants', { token: admin, body: newTenant(tenant), headers: { 'idempotency-key': key() } });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    // Its outcome is written after the answer: wait for it, so that record counts taken next stay put.
    assert.equal((await recordsOfCall(trail, reply.headers.get('x-request-id')!)).length, 2);
    return (await fixture.tenants.get(tenant))!;
  }

  it('records a POST under each spelling that reaches the route, and creates nothing under any other', async function () {
    for (const [index, spelling] of collectionSpellings.entries()) {
      const name = `spell${runId}-c${index}`;
      created.push(name);
      const recordsBefore = (await allRecords(trail)).length;
      const reply = await rawCall(api, 'POST', spelling.target(name, api.url), {
        token: admin,
        body: newTenant(name),
        headers: { 'idempotency-key': key() },
      });
      if (spelling.expect === 'unmatched') {
        await expectUnmatched(reply, spelling, recordsBefore);
        assert.equal(await fixture.tenants.get(name), undefined, `${spelling.kind}: no tenant created`);
        continue;
      }
      assert.equal(reply.status, 202, `${spelling.kind}: ${JSON.stringify(reply.body)}`);
      const outcome = await expectRecorded(reply, 'POST', '/v1/tenants', name);
      assert.ok(await fixture.tenants.get(name), spelling.kind);
      assert.deepEqual(
        outcome.changes?.find((change) => change.field === 'owners'),
        { field: 'owners', value: [{ kind: 'Group', name: `${name}-admins` }] },
      );
    }
  });

  it('records a PATCH under each spelling that reaches the route, and changes nothing under any other', async function () {
    for (const spelling of itemSpellings) {
      const before = await ensureTenant();
      const suspended = !before.spec.suspended;
      const recordsBefore = (await allRecords(trail)).length;
      const reply = await rawCall(api, 'PATCH', spelling.target(tenant, api.url), { token: admin, body: { suspended } });
      const after = await fixture.tenants.get(tenant);
      if (spelling.expect === 'unmatched') {
        await expectUnmatched(reply, spelling, recordsBefore);
        assert.equal(after?.metadata.resourceVersion, before.metadata.resourceVersion, `${spelling.kind}: tenant unchanged`);
        continue;
      }
      const outcome = await expectRecorded(reply, 'PATCH', '/v1/tenants/{name}', spelling.recordsTenant ? tenant : null);
      if (spelling.recordsTenant) {
        assert.equal(reply.status, 200, `${spelling.kind}: ${JSON.stringify(reply.body)}`);
        assert.equal(after?.spec.suspended, suspended);
        assert.deepEqual(outcome.changes, [{ field: 'suspended', value: suspended }]);
      } else {
        assert.equal(reply.status, 404, spelling.kind);
        assert.equal(after?.metadata.resourceVersion, before.metadata.resourceVersion, `${spelling.kind}: tenant unchanged`);
        assert.deepEqual(outcome.changes, []);
      }
    }
  });

  it('records a DELETE under each spelling that reaches the route, and deletes nothing under any other', async function () {
    for (const spelling of itemSpellings) {
      const before = await ensureTenant();
      const recordsBefore = (await allRecords(trail)).length;
      const reply = await rawCall(api, 'DELETE', `${spelling.target(tenant, api.url)}?confirmDeletionPolicy=Retain`, { token: admin });
      const after = await fixture.tenants.get(tenant);
      if (spelling.expect === 'unmatched') {
        await expectUnmatched(reply, spelling, recordsBefore);
        assert.equal(after?.metadata.resourceVersion, before.metadata.resourceVersion, `${spelling.kind}: tenant not deleted`);
        continue;
      }
      const outcome = await expectRecorded(reply, 'DELETE', '/v1/tenants/{name}', spelling.recordsTenant ? tenant : null);
      if (spelling.recordsTenant) {
        assert.equal(reply.status, 202, `${spelling.kind}: ${JSON.stringify(reply.body)}`);
        assert.ok(!after || after.metadata.deletionTimestamp, `${spelling.kind}: tenant deleted`);
        assert.deepEqual(outcome.changes, [{ field: 'database.deletionPolicy', value: 'Retain' }]);
      } else {
        assert.equal(reply.status, 404, spelling.kind);
        assert.equal(after?.metadata.resourceVersion, before.metadata.resourceVersion, `${spelling.kind}: tenant not deleted`);
      }
    }
  });

  it('answers a method no route takes with 404 and records nothing', async function () {
    const before = await ensureTenant();
    for (const [method, target] of [
      ['PUT', `/v1/tenants/${tenant}`],
      ['POST', `/v1/tenants/${tenant}`],
      ['PATCH', '/v1/tenants'],
      ['DELETE', '/v1/tenants'],
      ['POST', '/v1/plans'],
    ] as const) {
      const recordsBefore = (await allRecords(trail)).length;
      const reply = await rawCall(api, method, target, { token: admin, body: { suspended: true } });
      await expectUnmatched(
        reply,
        unmatched(`${method} ${target}`, () => target),
        recordsBefore,
      );
    }
    assert.equal((await fixture.tenants.get(tenant))?.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('leaves one sound chain behind all of it', async function () {
    const result = await verifyChain(trail.records());
    assert.equal(result.broken, undefined, JSON.stringify(result.broken));
    assert.equal(result.verified, (await allRecords(trail)).length);
  });
});
