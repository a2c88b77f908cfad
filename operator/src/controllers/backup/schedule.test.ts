import assert from 'node:assert/strict';
import { backupDue, backupsStatus, listedBackups } from './schedule.js';

const plan = { intervalMinutes: 60, keepLast: 3 };
const backup = (id: string, createdAt: string) => ({ id, createdAt, size: 100, reason: 'Scheduled' as const });

describe('the backup schedule', () => {
  it('is due at once for a tenant without a backup, then when the newest is one interval old', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    assert.equal(backupDue(undefined, plan, now), true);
    assert.equal(backupDue(backup('a', '2026-12-06T11:00:01Z'), plan, now), false);
    assert.equal(backupDue(backup('a', '2026-12-06T11:00:00Z'), plan, now), true);
  });

  it('lists at most the newest ten backups in status, with only their id, time, size and reason', () => {
    const many = Array.from({ length: 12 }, (_, index) => ({ ...backup(`b${index}`, '2026-12-06T11:00:00Z'), secret: 'x' }));
    const status = backupsStatus(many, new Date('2026-12-06T12:00:00Z'), undefined);
    assert.equal(status.latest?.length, listedBackups);
    assert.deepEqual(status.latest?.[0], { id: 'b0', createdAt: '2026-12-06T11:00:00Z', size: 100, reason: 'Scheduled' });
    assert.equal(status.lastAttemptTime, '2026-12-06T12:00:00.000Z');
    assert.equal('lastFailure' in status, false);
    assert.equal(backupsStatus([], undefined, 'KMS refused').lastFailure, 'KMS refused');
  });
});
