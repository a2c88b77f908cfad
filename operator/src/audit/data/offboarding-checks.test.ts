import assert from 'node:assert/strict';
import type { ExportManifest, OffboardingRecord } from '../../providers/backup/index.js';
import { judgeKeyShredded, judgeOffboardingExport, type OffboardingFacts } from './offboarding-checks.js';

const record: OffboardingRecord = {
  formatVersion: 1,
  tenant: 'acme',
  tenantUid: 'uid-1',
  region: 'eu-central-1',
  deletionPolicy: 'Export',
  startedAt: '2026-12-06T22:00:00.000Z',
  export: { manifestKey: 'p/exports/tenants/acme/uid-1/export-manifest.json', sha256: 'a'.repeat(64), exportId: '20261206T220000Z-0a1b2c' },
  keyDeletion: { keyId: 'key-1', deletionDate: '2026-12-13T22:00:00.000Z' },
};
const manifest = {
  exportId: '20261206T220000Z-0a1b2c',
  archive: { key: 'p/exports/tenants/acme/uid-1/20261206T220000Z-0a1b2c/archive.enc' },
  tables: [],
  signature: { keyId: 'f'.repeat(64) },
} as unknown as ExportManifest;

const facts = (overrides: Partial<OffboardingFacts> = {}): OffboardingFacts => ({
  record,
  recordKey: 'p/exports/tenants/acme/uid-1/offboarding.json',
  manifestSha256: 'a'.repeat(64),
  verification: { manifest },
  key: { state: 'PendingDeletion', deletionDate: '2026-12-13T22:00:00.000Z' },
  ...overrides,
});

describe('the offboarding checks of a tenant deleted with deletionPolicy Export', () => {
  it('pass with the manifest verified and the key pending deletion, naming the signer and the date', () => {
    const exported = judgeOffboardingExport(facts());
    assert.equal(exported.result, 'pass');
    assert.equal(exported.tenant, 'acme');
    assert.equal((exported.evidence as { signerKeyId: string }).signerKeyId, 'f'.repeat(64));
    const shredded = judgeKeyShredded(facts());
    assert.equal(shredded.result, 'pass');
    assert.match(shredded.message, /pending deletion until 2026-12-13T22:00:00.000Z/);
  });

  it('find a missing export manifest, or a record that names none', () => {
    const { manifestSha256: _gone, ...withoutManifest } = facts();
    assert.equal(judgeOffboardingExport(withoutManifest).reason, 'ExportManifestMissing');
    const { export: _none, ...unfinished } = record;
    assert.equal(judgeOffboardingExport(facts({ record: unfinished })).reason, 'ExportManifestMissing');
  });

  it('find a manifest replaced after the record, and one whose signature does not verify', () => {
    assert.equal(judgeOffboardingExport(facts({ manifestSha256: 'b'.repeat(64) })).reason, 'ExportManifestChanged');
    const invalid = judgeOffboardingExport(facts({ verification: { problem: 'changed after signing' } }));
    assert.equal(invalid.result, 'fail');
    assert.equal(invalid.reason, 'ExportSignatureInvalid');
  });

  it('is an error, not a pass, when the signing key could not be read', () => {
    const check = judgeOffboardingExport(facts({ verification: { problem: 'no signing key', unchecked: true } }));
    assert.equal(check.result, 'error');
    assert.equal(check.reason, 'SigningKeyUnavailable');
  });

  it('find a key whose deletion was cancelled, or never scheduled', () => {
    const cancelled = judgeKeyShredded(facts({ key: { state: 'Enabled' } }));
    assert.equal(cancelled.result, 'fail');
    assert.equal(cancelled.reason, 'KeyNotPendingDeletion');
    const { keyDeletion: _none, ...unscheduled } = record;
    assert.equal(judgeKeyShredded(facts({ record: unscheduled })).reason, 'KeyNotScheduledForDeletion');
  });

  it('pass a key KMS no longer knows (deleted after the waiting period), and err when KMS could not be asked', () => {
    assert.equal(judgeKeyShredded(facts({ key: { state: 'Deleted' } })).result, 'pass');
    assert.equal(judgeKeyShredded(facts({ key: { problem: 'timeout' } })).result, 'error');
  });
});
