/** verifyReport refuses every change to a signed file: any byte, whitespace, shape, or a consistent-looking lie. */
import assert from 'node:assert/strict';
import { buildReport } from './build.js';
import { sampleReportParts } from './sample-parts.js';
import { generateSigningKey, loadPrivateKey, loadPublicKey, serializeReport, signReport } from './signing.js';
import { verifyReport, type Verification } from './verify.js';

const keys = generateSigningKey();
const privateKey = loadPrivateKey(keys.privateKey, 'private');
const publicKey = loadPublicKey(keys.publicKey, 'public');
const signed = signReport(buildReport(sampleReportParts()), privateKey);
const bytes = serializeReport(signed);

function reasonOf(verification: Verification): string {
  assert.equal(verification.ok, false, 'expected verification to fail');
  return verification.ok ? '' : verification.reason;
}

function changedAt(position: number, mask: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[position] = (copy[position] ?? 0) ^ mask;
  return copy;
}

describe('report verification', () => {
  it('accepts the file as written', () => {
    assert.equal(verifyReport(bytes, publicKey).ok, true);
  });

  it('fails when any one byte is changed: about a thousand positions spread over the file, three bit patterns', function () {
    // CPU-bound: 1.6 s on an idle 2-core machine, over the suite's 10 s at load 25 (seen in a full
    // run beside other work). The suite's timeout detects hangs; this case needs room to compute.
    this.timeout(60_000);
    // Every 29th byte for each pattern, each pattern starting elsewhere, so about one byte in ten
    // is tried (each try is a full verification of ~2 ms); the first and last bytes always.
    const masks = [0x01, 0x20, 0x80];
    let tried = 0;
    for (const [index, mask] of masks.entries()) {
      const positions = new Set([0, bytes.length - 1]);
      for (let position = index * 10; position < bytes.length; position += 29) positions.add(position);
      for (const position of positions) {
        const verification = verifyReport(changedAt(position, mask), publicKey);
        assert.equal(verification.ok, false, `byte ${position} ^ 0x${mask.toString(16)} was accepted`);
        tried += 1;
      }
    }
    assert.ok(tried > bytes.length / 10, `only ${tried} changes tried`);
  });

  it('fails when any character of the signature value is changed', () => {
    const text = bytes.toString();
    const start = text.indexOf(signed.signature.value);
    for (let position = start; position < start + signed.signature.value.length; position += 1) {
      const copy = Buffer.from(bytes);
      const character = String.fromCharCode(copy[position] ?? 0);
      // Another base64url character, so the JSON and the schema still hold.
      copy[position] = (character === 'A' ? 'B' : 'A').charCodeAt(0);
      assert.equal(verifyReport(copy, publicKey).ok, false, `signature character ${position - start} changed was accepted`);
    }
  });

  it('fails when the last character of the signature or the embedded key is respelt with unused low bits', () => {
    // A 64-byte signature leaves 4 bits of its last base64url character unused, a 44-byte key 2:
    // lenient decoders read both spellings as the same bytes, so they must be refused as spellings.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const field of [signed.signature.value, signed.signature.publicKey]) {
      const last = bytes.indexOf(field) + field.length - 1;
      const respelt = Buffer.from(bytes);
      respelt[last] = alphabet.charCodeAt(alphabet.indexOf(String.fromCharCode(bytes[last] ?? 0)) ^ 0x01);
      assert.match(reasonOf(verifyReport(respelt, publicKey)), /is not canonical base64url/);
      assert.match(reasonOf(verifyReport(respelt, { keyId: keys.keyId })), /is not canonical base64url/);
    }
  });

  it('fails on whitespace added between tokens and on the same document pretty-printed', () => {
    const spaced = Buffer.concat([bytes.subarray(0, 1), Buffer.from(' '), bytes.subarray(1)]);
    assert.match(reasonOf(verifyReport(spaced, publicKey)), /not in canonical form/);
    const pretty = Buffer.from(JSON.stringify(signed, null, 2));
    assert.match(reasonOf(verifyReport(pretty, publicKey)), /not in canonical form/);
    const withNewline = Buffer.concat([bytes, Buffer.from('\n')]);
    assert.match(reasonOf(verifyReport(withNewline, publicKey)), /not in canonical form/);
  });

  it('fails on malformed JSON, bytes that are not UTF-8, and a document of another shape, saying which', () => {
    assert.match(reasonOf(verifyReport(bytes.subarray(0, bytes.length - 1), publicKey)), /^malformed JSON/);
    assert.match(reasonOf(verifyReport(Buffer.from([0x7b, 0xff, 0x7d]), publicKey)), /^not UTF-8 text/);
    assert.match(reasonOf(verifyReport(Buffer.from('{"format":"something else"}'), publicKey)), /^not a Bulkhead audit report: format:/);
    const { signature: _signature, ...unsigned } = signed;
    assert.match(reasonOf(verifyReport(serializeReport(unsigned as typeof signed), publicKey)), /not a Bulkhead audit report: signature:/);
    const extra = { ...signed, note: 'added' };
    assert.match(reasonOf(verifyReport(serializeReport(extra), publicKey)), /not a Bulkhead audit report: .*note/);
  });

  it('fails on a validly signed report whose summary disagrees with its checks', () => {
    const report = buildReport(sampleReportParts());
    const lying = signReport({ ...report, summary: { ...report.summary, result: 'pass', findings: 0 } }, privateKey);
    assert.match(reasonOf(verifyReport(serializeReport(lying), publicKey)), /summary does not match the checks/);
  });

  it('fails on a validly signed report whose controls covered disagree with its checks', () => {
    const report = buildReport(sampleReportParts());
    const section = report.controls ?? { controls: [], unmapped: [] };
    assert.ok(section.controls.some((control) => control.id === '8.24' && control.pass === 3));
    const lies = [{ pass: 4 }, { tenants: ['acme', 'globex'] }, { status: 'not-satisfied' as const }];
    for (const lie of lies) {
      const controls = section.controls.map((control) => (control.id === '8.24' ? { ...control, ...lie } : control));
      const lying = signReport({ ...report, controls: { ...section, controls } }, privateKey);
      assert.match(
        reasonOf(verifyReport(serializeReport(lying), publicKey)),
        /controls covered do not match the checks/,
        JSON.stringify(lie),
      );
    }
  });

  it('still verifies a report written before the controls section existed', () => {
    const { controls: _controls, ...older } = buildReport(sampleReportParts());
    assert.equal(verifyReport(serializeReport(signReport(older, privateKey)), publicKey).ok, true);
  });

  it("fails on a sparse matrix's empty-cell count changed after signing, and on one signed with a count that does not add up", () => {
    const report = buildReport(sampleReportParts());
    const matrix = report.matrix as NonNullable<typeof report.matrix>;
    assert.equal(matrix.emptyCells, 16 - matrix.cells.length, 'the sample matrix is sparse');
    const tampered = { ...signed, matrix: { ...matrix, emptyCells: (matrix.emptyCells ?? 0) + 1 } };
    assert.match(reasonOf(verifyReport(serializeReport(tampered), publicKey)), /signature does not match the content/);
    const lying = signReport({ ...report, matrix: { ...matrix, emptyCells: (matrix.emptyCells ?? 0) - 1 } }, privateKey);
    assert.match(
      reasonOf(verifyReport(serializeReport(lying), publicKey)),
      /matrix does not add up .*matrix\.emptyCells: 4 empty cells stated, but 4 namespaces make 16 ordered pairs and 11 are listed, which leaves 5/,
    );
  });

  it('fails on a validly signed sparse matrix that hides a listed pair behind an empty cell or lists one twice', () => {
    const report = buildReport(sampleReportParts());
    const matrix = report.matrix as NonNullable<typeof report.matrix>;
    const [first] = matrix.cells;
    assert.ok(first);
    const emptied = { ...matrix, cells: [{ ...first, allowed: [] }, ...matrix.cells.slice(1)] };
    const twice = { ...matrix, cells: [first, ...matrix.cells], emptyCells: (matrix.emptyCells ?? 0) - 1 };
    for (const [lie, reason] of [
      [emptied, /allows nothing, so a sparse matrix must not list it/],
      [twice, /is listed twice/],
    ] as const) {
      const lying = signReport({ ...report, matrix: lie }, privateKey);
      assert.match(reasonOf(verifyReport(serializeReport(lying), publicKey)), reason);
    }
  });

  it('still verifies a dense matrix, as reports before decision 0056 list every ordered pair', () => {
    const report = buildReport(sampleReportParts());
    const matrix = report.matrix as NonNullable<typeof report.matrix>;
    const listed = new Map(matrix.cells.map((cell) => [`${cell.from} ${cell.to}`, cell]));
    const cells = matrix.namespaces.flatMap((from) =>
      matrix.namespaces.map((to) => listed.get(`${from} ${to}`) ?? { from, to, allowed: [] as string[] }),
    );
    const dense = { namespaces: matrix.namespaces, probes: matrix.probes, cells };
    assert.equal(verifyReport(serializeReport(signReport({ ...report, matrix: dense }, privateKey)), publicKey).ok, true);
  });

  it('fails on a changed field that keeps the file canonical and well-formed', () => {
    const changed = { ...signed, checks: signed.checks.map((check) => ({ ...check, result: 'pass' as const, reason: 'Verified' })) };
    assert.match(reasonOf(verifyReport(serializeReport(changed), publicKey)), /signature does not match the content/);
  });
});
