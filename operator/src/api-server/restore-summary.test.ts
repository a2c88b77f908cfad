import assert from 'node:assert/strict';
import { TenantSchema, type Tenant } from '../api/index.js';
import { TenantRestoreSchema } from '../api/tenant-restore.js';
import { CreateRestoreRequestSchema, BackupSummarySchema, RestoreSummarySchema } from './restore-schemas.js';
import { backupPage, backupSummaries, restoreSummary, tenantRestoreFor } from './restore-summary.js';

function tenant(name: string, backups?: unknown): Tenant {
  return TenantSchema.parse({
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name, uid: `uid-${name}` },
    spec: { displayName: name, plan: 'standard', region: 'eu-central-1', owners: [{ kind: 'Group', name: `${name}-admins` }] },
    status: backups === undefined ? undefined : { backups },
  });
}

const older = { id: '20261201T010000Z-aaaaaa', createdAt: '2026-12-01T01:00:00Z', size: 10, reason: 'Scheduled' };
const newer = { id: '20261202T010000Z-bbbbbb', createdAt: '2026-12-02T01:00:00Z', size: 20, reason: 'Requested' };
const attempt = { name: 'restore-0123456789abcdef01234567', bodyHash: 'h', principalId: 'token:sales' };

describe('backups and restores as the API shows them', function () {
  it("lists a tenant's backups newest first with their kind, and none for a tenant never backed up", function () {
    const summaries = backupSummaries(tenant('acme', { latest: [older, newer], lastAttemptTime: '2026-12-02T01:00:00Z' }));
    assert.deepEqual(
      summaries.map((backup) => [backup.id, backup.kind, backup.size]),
      [
        [newer.id, 'Requested', 20],
        [older.id, 'Scheduled', 10],
      ],
    );
    for (const summary of summaries)
      assert.deepEqual(Object.keys(BackupSummarySchema.parse(summary)).sort(), ['createdAt', 'id', 'kind', 'size']);
    assert.deepEqual(backupSummaries(tenant('acme')), []);
    assert.equal(backupSummaries(tenant('acme', { latest: [{ ...older, reason: 'Unheard' }] }))[0]?.kind, null);
  });

  it('pages backups newest first after the last id returned, with no next page after the last', function () {
    const all = backupSummaries(tenant('acme', { latest: [older, newer, { ...older, id: '20261130T010000Z-cccccc' }] }));
    const first = backupPage(all, undefined, 2);
    assert.deepEqual(
      first.items.map((backup) => backup.id),
      [newer.id, older.id],
    );
    assert.equal(first.nextAfter, older.id);
    const second = backupPage(all, first.nextAfter, 2);
    assert.deepEqual(
      second.items.map((backup) => backup.id),
      ['20261130T010000Z-cccccc'],
    );
    assert.equal(second.nextAfter, undefined);
    assert.equal(backupPage(all, undefined, 3).nextAfter, undefined);
  });

  it("restores a tenant's own backup with its UID pinned and no cross-tenant field", function () {
    const request = CreateRestoreRequestSchema.parse({ backupId: older.id });
    const restore = TenantRestoreSchema.parse(tenantRestoreFor(request, 'acme', tenant('acme'), attempt));
    assert.deepEqual(restore.spec, { tenant: 'acme', backup: { id: older.id, fromTenantUid: 'uid-acme' } });
    assert.equal(restore.metadata.annotations?.['bulkhead.dev/created-by'], 'token:sales');
  });

  it("restores another tenant's backup only as that tenant's, with the override's reason", function () {
    const request = CreateRestoreRequestSchema.parse({
      backupId: older.id,
      fromTenant: 'other',
      crossTenantOverride: { reason: 'INC-1: clone into staging' },
    });
    const restore = TenantRestoreSchema.parse(tenantRestoreFor(request, 'acme', tenant('other'), attempt));
    assert.deepEqual(restore.spec, {
      tenant: 'acme',
      backup: { id: older.id, fromTenant: 'other', fromTenantUid: 'uid-other' },
      crossTenantOverride: { reason: 'INC-1: clone into staging' },
    });
  });

  it('refuses a malformed backup id, a short override reason and unknown fields, naming each', function () {
    const fields = (body: unknown) => {
      const result = CreateRestoreRequestSchema.safeParse(body);
      return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.') || issue.code);
    };
    assert.deepEqual(fields({ backupId: 'latest' }), ['backupId']);
    assert.deepEqual(fields({}), ['backupId']);
    assert.deepEqual(fields({ backupId: older.id, crossTenantOverride: { reason: 'because' } }), ['crossTenantOverride.reason']);
    assert.deepEqual(fields({ backupId: older.id, tenant: 'other' }), ['unrecognized_keys']);
  });

  it("shows a restore's progress: Pending before the operator acts, then its phase, counts and times", function () {
    const request = CreateRestoreRequestSchema.parse({ backupId: older.id });
    const created = tenantRestoreFor(request, 'acme', tenant('acme'), attempt);
    const pending = RestoreSummarySchema.parse(restoreSummary(created, '/v1/tenants'));
    assert.equal(pending.phase, 'Pending');
    assert.equal(pending.fromTenant, 'acme');
    assert.equal(pending.links.self, `/v1/tenants/acme/restores/${attempt.name}`);
    const tables = [{ schema: 'public', table: 'orders', rows: 40 }];
    const done = restoreSummary(
      {
        ...created,
        status: {
          phase: 'Succeeded',
          reason: 'Restored',
          startTime: '2026-12-02T01:00:00Z',
          completionTime: '2026-12-02T01:01:00Z',
          tables,
        },
      },
      '/v1/tenants',
    );
    assert.deepEqual([done.phase, done.reason, done.completedAt, done.tables], ['Succeeded', 'Restored', '2026-12-02T01:01:00Z', tables]);
  });
});
