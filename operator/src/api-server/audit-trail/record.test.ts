import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalEncoding, chainRecord, currentFormat, genesisHash, recordHash, type AuditEntry } from './record.js';

export const sampleEntry: AuditEntry = {
  time: new Date('2026-01-02T03:04:05.678Z'),
  phase: 'outcome',
  actorId: 'token:sales-1',
  actorRole: 'sales-ops',
  method: 'PATCH',
  route: '/v1/tenants/{name}',
  tenant: 'acme',
  requestId: '6f1c2b1e-0000-4000-8000-000000000001',
  outcome: { status: 403, problemType: 'forbidden' },
  changes: [],
};

describe('audit record hashing', function () {
  it('encodes the fields as RFC 8785 JSON: sorted keys, no whitespace, UTC time with milliseconds', function () {
    assert.equal(
      canonicalEncoding(7, genesisHash, {
        ...sampleEntry,
        changes: [
          { field: 'plan', value: 'enterprise' },
          { field: 'suspended', value: true },
        ],
      }),
      '{"actor":{"id":"token:sales-1","role":"sales-ops"},"changes":[{"field":"plan","value":"enterprise"},{"field":"suspended","value":true}],' +
        '"format":2,"id":7,"method":"PATCH",' +
        '"outcome":{"problemType":"forbidden","status":403},"phase":"outcome",' +
        `"previousHash":"${genesisHash}","requestId":"6f1c2b1e-0000-4000-8000-000000000001",` +
        '"route":"/v1/tenants/{name}","tenant":"acme","time":"2026-01-02T03:04:05.678Z"}',
    );
  });

  it('encodes a format-1 record, written before changes were recorded, exactly as it was hashed then', function () {
    const v1 = { ...sampleEntry, format: 1 as const, changes: null };
    assert.equal(
      canonicalEncoding(7, genesisHash, v1),
      '{"actor":{"id":"token:sales-1","role":"sales-ops"},"id":7,"method":"PATCH",' +
        '"outcome":{"problemType":"forbidden","status":403},"phase":"outcome",' +
        `"previousHash":"${genesisHash}","requestId":"6f1c2b1e-0000-4000-8000-000000000001",` +
        '"route":"/v1/tenants/{name}","tenant":"acme","time":"2026-01-02T03:04:05.678Z"}',
    );
    // Hashes computed by the format-1 code before format 2 existed.
    assert.equal(recordHash(7, genesisHash, v1), 'ed9b923a140c29fb807bd33deb4f557fd27e6397e0e00345e048476b19520826');
    assert.equal(
      recordHash(8, 'a'.repeat(64), { ...v1, phase: 'attempt', outcome: null, tenant: null }),
      '1ee439bf2abd62c1d47a83a288eb8b0d6fe8271b54377f7153cea2b369e63570',
    );
  });

  it('encodes an attempt with null outcome and tenant, and escapes like JSON', function () {
    const encoded = canonicalEncoding(1, genesisHash, {
      ...sampleEntry,
      phase: 'attempt',
      outcome: null,
      tenant: null,
      changes: null,
      actorId: 'oidc:a"b\u00e9',
    });
    assert.match(encoded, /"changes":null/);
    assert.match(encoded, /"outcome":null/);
    assert.match(encoded, /"tenant":null/);
    assert.match(encoded, /"id":"oidc:a\\"bé"/);
  });

  it('hashes the canonical encoding with SHA-256, hex', function () {
    const expected = createHash('sha256')
      .update(canonicalEncoding(3, 'a'.repeat(64), sampleEntry))
      .digest('hex');
    assert.equal(recordHash(3, 'a'.repeat(64), sampleEntry), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
  });

  it('changes the hash when any field, the id or the previous hash changes', function () {
    const base = recordHash(3, genesisHash, sampleEntry);
    const variants: [string, string][] = [
      ['id', recordHash(4, genesisHash, sampleEntry)],
      ['previousHash', recordHash(3, 'f'.repeat(64), sampleEntry)],
      ['time', recordHash(3, genesisHash, { ...sampleEntry, time: new Date('2026-01-02T03:04:05.679Z') })],
      ['actor', recordHash(3, genesisHash, { ...sampleEntry, actorId: 'token:sales-2' })],
      ['role', recordHash(3, genesisHash, { ...sampleEntry, actorRole: 'platform-admin' })],
      ['status', recordHash(3, genesisHash, { ...sampleEntry, outcome: { status: 200, problemType: 'forbidden' } })],
      ['problem', recordHash(3, genesisHash, { ...sampleEntry, outcome: { status: 403, problemType: null } })],
      ['tenant', recordHash(3, genesisHash, { ...sampleEntry, tenant: 'acmf' })],
      ['request', recordHash(3, genesisHash, { ...sampleEntry, requestId: 'other' })],
      ['changes', recordHash(3, genesisHash, { ...sampleEntry, changes: [{ field: 'plan', value: 'enterprise' }] })],
      ['format', recordHash(3, genesisHash, { ...sampleEntry, format: 1 })],
    ];
    for (const [field, hash] of variants) assert.notEqual(hash, base, field);
    const plan = (value: string) => recordHash(3, genesisHash, { ...sampleEntry, changes: [{ field: 'plan', value }] });
    assert.notEqual(plan('standard'), plan('enterprise'), 'the value of a change');
  });

  it('does not depend on the order the fields were given in', function () {
    const reordered = Object.fromEntries(Object.entries(sampleEntry).reverse()) as unknown as AuditEntry;
    assert.equal(recordHash(3, genesisHash, reordered), recordHash(3, genesisHash, sampleEntry));
  });

  it('starts the chain at id 1 after the genesis hash and links each record to the previous', function () {
    const first = chainRecord(undefined, sampleEntry);
    assert.equal(first.id, 1);
    assert.equal(first.format, currentFormat);
    assert.equal(first.previousHash, genesisHash);
    const second = chainRecord(first, sampleEntry);
    assert.equal(second.id, 2);
    assert.equal(second.previousHash, first.hash);
    assert.equal(second.hash, recordHash(2, first.hash, sampleEntry));
  });
});
