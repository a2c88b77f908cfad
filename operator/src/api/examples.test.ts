/**
 * The manifests in crds/examples against the zod schemas: every valid example parses, and every
 * invalid one is refused for the one reason its `# expect:` line names, so the onboarding API and
 * kube-apiserver refuse the same manifests.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { z } from 'zod';
import { TenantPlanSchema } from './tenant-plan.js';
import { RolloutSchema } from './rollout.js';
import { TenantSchema } from './tenant.js';

const examplesDirectory = fileURLToPath(new URL('../../../crds/examples/', import.meta.url));

interface Example {
  file: string;
  manifest: { kind?: unknown };
  /** The field the `# expect:` line names, e.g. spec.owners[0].kind or metadata.name. */
  expectedField?: string;
}

function readExamples(folder: string): Example[] {
  const directory = `${examplesDirectory}${folder}/`;
  return readdirSync(directory)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(`${directory}${file}`, 'utf8');
      const expectation = /^# expect: (\S+?)(?=[: ])/.exec(text);
      return { file: `${folder}/${file}`, manifest: parse(text) as Example['manifest'], expectedField: expectation?.[1] };
    });
}

function schemaFor(manifest: Example['manifest']): z.ZodType {
  if (manifest.kind === 'Tenant') return TenantSchema;
  if (manifest.kind === 'TenantPlan') return TenantPlanSchema;
  if (manifest.kind === 'Rollout') return RolloutSchema;
  throw new Error(`unexpected kind ${String(manifest.kind)}`);
}

/** A zod issue path written the way kube-apiserver names fields, indices dropped: spec.owners.kind. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.filter((segment) => typeof segment === 'string').join('.');
}

/** `spec.owners[1]` and `spec.owners[].name` as the same index-free form. */
function withoutIndices(field: string): string {
  return field.replace(/\[\d*\]/g, '');
}

describe('crds/examples', () => {
  const valid = [...readExamples('plans'), ...readExamples('tenants')];
  const invalid = readExamples('invalid');

  it('has the plans and tenants the other examples and tests rely on', () => {
    const files = valid.map((example) => example.file);
    for (const file of ['plans/standard.yaml', 'plans/enterprise.yaml', 'tenants/acme.yaml', 'tenants/globex.yaml']) {
      assert.ok(files.includes(file), `missing ${file}`);
    }
  });

  for (const example of valid) {
    it(`accepts ${example.file}`, () => {
      const result = schemaFor(example.manifest).safeParse(example.manifest);
      assert.ok(result.success, result.error?.message);
    });
  }

  it('names only plans that exist, in every tenant example', () => {
    const plans = new Set(
      valid
        .filter((example) => example.manifest.kind === 'TenantPlan')
        .map((example) => TenantPlanSchema.parse(example.manifest).metadata.name),
    );
    const tenants = [...valid, ...invalid].filter((example) => example.manifest.kind === 'Tenant');
    for (const example of tenants) {
      const plan = (example.manifest as { spec?: { plan?: string } }).spec?.plan;
      if (example.expectedField !== 'spec.plan') assert.ok(plan !== undefined && plans.has(plan), `${example.file} names plan ${plan}`);
    }
  });

  for (const example of invalid) {
    it(`refuses ${example.file} for the one reason its first line names`, () => {
      assert.ok(example.expectedField, `${example.file} must start with "# expect: <field>..."`);
      const result = schemaFor(example.manifest).safeParse(example.manifest);
      assert.ok(!result.success, `${example.file} was accepted`);
      const fields = result.error.issues.map((issue) => withoutIndices(fieldOf(issue.path)));
      assert.deepEqual(fields, [withoutIndices(example.expectedField)], result.error.message);
    });
  }
});
