/** buildReport: deterministic order, reconciled counts, summary and scope. */
import assert from 'node:assert/strict';
import { passed, type AuditCheck } from '../model.js';
import { buildReport, buildReportYielding, exitCodeFor } from './build.js';
import { sampleReportParts } from './sample-parts.js';
import { canonicalBytes } from './signing.js';

/** The same object with its keys in reverse insertion order, recursively. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reversedKeys(inner)]),
  );
}

describe('buildReport', () => {
  it('gives the same canonical bytes whatever the key order and the order the parts listed things in', () => {
    const parts = sampleReportParts();
    const shuffled = reversedKeys(parts) as typeof parts;
    shuffled.checks = [...parts.checks].reverse();
    shuffled.inputs = [...parts.inputs].reverse();
    shuffled.matrix = parts.matrix && {
      ...parts.matrix,
      namespaces: [...parts.matrix.namespaces].reverse(),
      cells: [...parts.matrix.cells].reverse(),
    };
    shuffled.generatedAt = parts.generatedAt;
    const a = canonicalBytes(buildReport(parts));
    const b = canonicalBytes(buildReport(shuffled));
    assert.equal(b.toString(), a.toString());
    assert.ok(a.toString().startsWith('{"assumptions":{"endPortSupported":true'), 'keys are sorted (RFC 8785)');
  });

  it('orders checks by category, fleet-wide first, then tenant and id; inputs by apiVersion, kind, namespace, name', () => {
    const report = buildReport(sampleReportParts());
    const keys = report.checks.map((check) => `${check.category}|${check.tenant ?? ''}|${check.id}`);
    assert.equal(keys[0], 'access|acme|access.secrets-readers');
    assert.deepEqual(
      keys.filter((key) => key.startsWith('inventory')),
      ['inventory||inventory.counts'],
    );
    assert.deepEqual(
      report.inputs.slice(0, 2).map((input) => `${input.kind}/${input.name}`),
      ['Tenant/acme', 'Tenant/globex'],
    );
    assert.deepEqual(report.matrix?.namespaces, ['tenant-acme', 'tenant-globex', 'tenant-initech', '(other)']);
    assert.deepEqual(
      report.matrix?.cells.slice(0, 3).map((cell) => cell.to),
      ['tenant-acme', 'tenant-initech', '(other)'],
    );
  });

  it('summarizes per category and per tenant, counts the failing check as a finding and exits non-zero', () => {
    const report = buildReport(sampleReportParts());
    assert.equal(report.summary.result, 'fail');
    assert.equal(report.summary.findings, 1);
    assert.deepEqual(report.summary.byCategory.network, { pass: 2, fail: 1, error: 0 });
    assert.deepEqual(
      report.summary.byTenant.find((row) => row.tenant === 'initech'),
      { tenant: 'initech', pass: 4, fail: 1, error: 0 },
    );
    assert.equal(exitCodeFor(report), 1);
    const clean = sampleReportParts();
    clean.checks = clean.checks.map((check) => (check.result === 'pass' ? check : passed({ ...check })));
    assert.equal(exitCodeFor(buildReport(clean)), 0);
  });

  it('reconciles the inventory: a missing database, an orphaned key alias and an unreadable source are findings', () => {
    const parts = sampleReportParts();
    parts.inventory = {
      tenants: ['acme', 'globex', 'initech'],
      namespaces: null,
      databases: ['acme', 'initech'],
      keyAliases: ['acme', 'globex', 'initech', 'hooli'],
    };
    const report = buildReport(parts);
    assert.deepEqual(
      {
        tenants: report.counts.tenants,
        namespaces: report.counts.namespaces,
        databases: report.counts.databases,
        keyAliases: report.counts.keyAliases,
      },
      { tenants: 3, namespaces: null, databases: 2, keyAliases: 4 },
    );
    const reasons = report.counts.mismatches.map((check) => `${check.result} ${check.tenant ?? '-'} ${check.reason}`);
    assert.deepEqual(reasons.sort(), ['error - SourceUnavailable', 'fail globex MissingDatabase', 'fail hooli OrphanedKeyAlias']);
    for (const mismatch of report.counts.mismatches)
      assert.ok(report.checks.some((check) => JSON.stringify(check) === JSON.stringify(mismatch)));
    assert.equal(report.summary.findings, 1 + 3);
  });

  it('reports a Tenant no check names as not examined, instead of letting it pass unseen', () => {
    const parts = sampleReportParts();
    parts.checks = parts.checks.filter((check) => check.tenant !== 'globex');
    const report = buildReport(parts);
    const unexamined = report.checks.filter((check) => check.reason === 'TenantNotExamined');
    assert.deepEqual(
      unexamined.map((check) => check.tenant),
      ['globex'],
    );
    assert.equal(unexamined[0]?.result, 'error');
  });

  it('keeps only the tenant in scope and the fleet-wide checks when auditing one tenant', () => {
    const parts = sampleReportParts();
    parts.scope = { kind: 'tenant', tenant: 'acme' };
    const report = buildReport(parts);
    assert.deepEqual([...new Set(report.checks.map((check) => check.tenant ?? '(fleet)'))].sort(), ['(fleet)', 'acme']);
    assert.deepEqual(
      report.summary.byTenant.map((row) => row.tenant),
      ['acme'],
    );
    assert.equal(report.counts.tenants, 1);
    assert.equal(report.summary.result, 'pass');
  });

  it('states what it cannot prove, and names the tool version from operator/package.json', async () => {
    const report = buildReport(sampleReportParts());
    assert.match(report.limitations[0] ?? '', /cannot prove that the cluster's network plugin enforces NetworkPolicy/);
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(report.tool.version, manifest.version);
    assert.equal(report.generatedAt, '2026-11-27T03:00:00.000Z');
  });

  it('refuses a check that is not of the shared shape, naming the field and the rule', () => {
    const parts = sampleReportParts();
    const bad = { ...parts.checks[0], reason: 'not camel case' } as AuditCheck;
    parts.checks = [bad];
    assert.throws(() => buildReport(parts), /parts do not make a valid report: checks\.0\.reason: expected a CamelCase reason/);
  });

  it('refuses a matrix cell or an input that is not of the shared shape, naming where it is', () => {
    const parts = sampleReportParts();
    const matrix = parts.matrix as NonNullable<typeof parts.matrix>;
    parts.matrix = { ...matrix, cells: matrix.cells.map((cell, index) => (index === 2 ? { ...cell, to: '' } : cell)) };
    parts.inputs = [{ ...(parts.inputs[0] as (typeof parts.inputs)[number]), uid: '' }];
    assert.throws(() => buildReport(parts), /inputs\.0\.uid: .*; matrix\.cells\.\d+\.to: /);
  });

  it('keeps the checks and the matrix cells the parts made instead of copying them (docs/decisions/0051)', () => {
    const parts = sampleReportParts();
    const report = buildReport(parts);
    const check = parts.checks[0] as AuditCheck;
    assert.ok(report.checks.includes(check), 'the check object itself is in the report');
    const inOrder = parts.matrix?.cells.find((cell) => cell.allowed.length === 1);
    assert.ok(inOrder && report.matrix?.cells.includes(inOrder), 'a cell already in order is kept as it is');
    const unordered = { from: 'tenant-acme', to: 'tenant-acme', allowed: ['UDP/53', 'TCP/80'] };
    const matrix = parts.matrix as NonNullable<typeof parts.matrix>;
    parts.matrix = {
      ...matrix,
      cells: matrix.cells.map((cell) => (cell.from === 'tenant-acme' && cell.to === 'tenant-acme' ? unordered : cell)),
    };
    const sorted = buildReport(parts).matrix?.cells.find((cell) => cell.from === 'tenant-acme' && cell.to === 'tenant-acme');
    assert.deepEqual(sorted?.allowed, ['TCP/80', 'UDP/53']);
    assert.deepEqual(unordered.allowed, ['UDP/53', 'TCP/80'], "the part's own cell is not reordered in place");
  });

  it('builds the same report when it yields to the event loop as when it does not', async () => {
    const parts = sampleReportParts();
    assert.equal(canonicalBytes(await buildReportYielding(parts)).toString(), canonicalBytes(buildReport(parts)).toString());
    parts.checks = [{ ...(parts.checks[0] as AuditCheck), reason: 'not camel case' }];
    await assert.rejects(buildReportYielding(parts), /checks\.0\.reason: expected a CamelCase reason/);
  });
});
