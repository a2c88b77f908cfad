/**
 * The controls mapping against the code and the docs: every check id the audit's code can emit is
 * named by the mapping (the ids are read from the source, not from a list kept here), the mapping
 * names no check that does not exist, each pairing names a control of the catalogue, and the
 * tables in docs/auditors.md say what the code says.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { admissionProbes } from '../access/admission-probes.js';
import { reviewProbes } from '../access/review-probes.js';
import { checkCategories } from './schema.js';
import { controlCatalogue, controlsOf, evidenceGroups, mappedCheckIds } from './controls.js';

const auditDirectory = fileURLToPath(new URL('..', import.meta.url));
const auditorsDoc = fileURLToPath(new URL('../../../../docs/auditors.md', import.meta.url));

/** Check ids built from a template (`access.review.${probe.id}`), expanded from the probe lists the code runs. */
const templateFamilies: Record<string, () => string[]> = {
  'access.review.': () => reviewProbes({ namespace: 'tenant-a', otherNamespace: 'tenant-b' }).map((probe) => probe.id),
  'access.admission.': () => admissionProbes.map((probe) => probe.id),
};

const idPattern = new RegExp(`^(${checkCategories.join('|')})\\.[a-z0-9-]+$`);
const familyPattern = new RegExp(`^(${checkCategories.join('|')})\\.[a-z0-9-]+\\.$`);

/**
 * Files that name check ids without emitting them: the mapping itself (or it would vouch for its
 * own entries), the exports that read it, and sample-parts.ts, test data with made-up ids
 * ("nothing in the audit reads it").
 */
const notProducers = new Set([join(auditDirectory, 'report/controls.ts'), join(auditDirectory, 'report/sample-parts.ts')]);
const consumerDirectories = new Set([join(auditDirectory, 'export')]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return consumerDirectories.has(path) ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !notProducers.has(path) ? [path] : [];
  });
}

function stringProperty(node: ts.ObjectLiteralExpression, name: string): string | undefined {
  for (const property of node.properties) {
    if (ts.isPropertyAssignment(property) && property.name.getText() === name && ts.isStringLiteral(property.initializer))
      return property.initializer.text;
  }
  return undefined;
}

/** Literal ids (`'network.ingress'`), template families (`access.review.${...}`) and failed parts (`{category, name, title}` given to runPart). */
function idsInSource(file: string): { ids: string[]; families: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const ids: string[] = [];
  const families: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && idPattern.test(node.text)) ids.push(node.text);
    if (ts.isTemplateExpression(node) && familyPattern.test(node.head.text)) families.push(node.head.text);
    if (ts.isObjectLiteralExpression(node)) {
      const [category, name, title] = ['category', 'name', 'title'].map((property) => stringProperty(node, property));
      if (category && name && title) ids.push(`${category}.${name}-failed`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { ids, families };
}

function checkIdsInCode(): Set<string> {
  const found = sourceFiles(auditDirectory).map(idsInSource);
  const families = [...new Set(found.flatMap((file) => file.families))];
  const unknown = families.filter((family) => templateFamilies[family] === undefined);
  assert.deepEqual(unknown, [], `check ids built from a template this spec cannot expand: add the family to templateFamilies`);
  const expanded = families.flatMap((family) => (templateFamilies[family]?.() ?? []).map((id) => `${family}${id}`));
  return new Set([...found.flatMap((file) => file.ids), ...expanded]);
}

describe('the controls mapping', () => {
  const inCode = checkIdsInCode();

  it('reads the check ids from the code: the escape classes, the wire probes, the probe families and the failed parts', () => {
    for (const id of [
      'network.external-ips',
      'network.enforcement',
      'access.review.other-tenant-secrets-get',
      'access.admission.host-path',
      'key.encryption-context',
      'network.probes-failed',
      'inventory.tenant-checked',
    ]) {
      assert.ok(inCode.has(id), `${id} was not found in the code`);
    }
    assert.ok(inCode.size > 80, `only ${inCode.size} ids found`);
  });

  it('names every check the audit can emit', () => {
    const mapped = new Set(mappedCheckIds());
    const missing = [...inCode].filter((id) => !mapped.has(id)).sort();
    assert.deepEqual(missing, [], `checks the mapping in report/controls.ts does not name: ${missing.join(', ')}`);
  });

  it('names no check the audit does not emit', () => {
    const stale = mappedCheckIds().filter((id) => !inCode.has(id));
    assert.deepEqual(stale, [], `the mapping names checks no code emits: ${stale.join(', ')}`);
  });

  it('pairs only controls of the catalogue, each with a reason, and lists a control without checks only with why it is not claimed', () => {
    const catalogued = new Set(controlCatalogue.map((control) => control.id));
    assert.equal(catalogued.size, controlCatalogue.length, 'a control id is listed twice');
    const paired = new Set<string>();
    for (const group of evidenceGroups) {
      for (const [control, reason] of Object.entries(group.controls)) {
        assert.ok(catalogued.has(control), `${group.name}: ${control} is not in the catalogue`);
        assert.ok(reason.length > 20, `${group.name}: ${control} needs a reason`);
        paired.add(control);
      }
    }
    for (const control of controlCatalogue) {
      assert.equal(paired.has(control.id), control.notClaimed === undefined, `${control.id}: paired and notClaimed exclude each other`);
    }
  });

  it('gives the controls of every group a check belongs to, in catalogue order', () => {
    assert.deepEqual(controlsOf('database.orphans'), ['CC6.1', '5.9', '8.10']);
    assert.deepEqual(controlsOf('network.ingress'), ['CC6.6', '8.20', '8.22']);
    assert.deepEqual(controlsOf('database.login-sample'), []);
    assert.equal(controlsOf('network.no-such-check'), undefined);
  });
});

/** The rows of the markdown table that follows `heading`, each split into cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  assert.ok(start >= 0, `docs/auditors.md has no "${heading}"`);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const ids = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('docs/auditors.md on controls', () => {
  const markdown = readFileSync(auditorsDoc, 'utf8');

  it('lists the catalogue as the code does, with why a control is not claimed', () => {
    const rows = tableAfter(markdown, '**The controls**');
    const expected = controlCatalogue.map((control) => [control.framework, control.id, control.title, control.notClaimed ?? '']);
    assert.deepEqual(rows, expected);
  });

  it('prints every evidence group with its checks, and every pairing with its reason', () => {
    const groups = tableAfter(markdown, '**The checks of each group**').map(([name, checks]) => [name, ids(checks ?? '')]);
    assert.deepEqual(
      groups,
      evidenceGroups.map((group) => [group.name, [...group.checks]]),
    );
    const pairings = tableAfter(markdown, '**Why each check is evidence**');
    const expected = evidenceGroups.flatMap((group) =>
      Object.entries(group.controls).map(([control, reason]) => [group.name, control, reason]),
    );
    assert.deepEqual(pairings, expected);
  });
});
