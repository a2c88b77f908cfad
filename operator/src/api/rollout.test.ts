/**
 * The Rollout zod schema against crds/bulkhead.dev_rollouts.yaml, by the same rules as
 * schema-agreement.test.ts (property names, required lists, enums, defaults, limits,
 * descriptions), and against the Rollout examples: the valid ones parse, the invalid ones are
 * refused for the field their `# expect:` line names. The comparison is repeated here, not
 * imported, because schema-agreement.test.ts keeps it private; once it is shared, this file can
 * simply add Rollout to its list of kinds.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { RolloutSchema, RolloutSpecSchema, rolloutKind, rolloutPlural } from './rollout.js';
import { apiVersion } from './tenant.js';

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  format?: string;
  'x-kubernetes-validations'?: unknown[];
  [keyword: string]: unknown;
}

interface CustomResourceDefinition {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    versions: {
      name: string;
      subresources?: { status?: object };
      additionalPrinterColumns?: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
}

const crdsDirectory = fileURLToPath(new URL('../../../crds/', import.meta.url));
const definition = parse(readFileSync(`${crdsDirectory}bulkhead.dev_rollouts.yaml`, 'utf8')) as CustomResourceDefinition;
const [servedVersion] = definition.spec.versions;
const crdRoot = (): SchemaNode => structuredClone(servedVersion?.schema.openAPIV3Schema ?? {});
const zodRoot = (schema: z.ZodType = RolloutSchema): SchemaNode => z.toJSONSchema(schema, { io: 'input' }) as SchemaNode;

const comparedKeywords = ['type', 'enum', 'default', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minimum', 'maximum'];

/** zod's spellings that mean nothing different: safe-integer bounds, escaped '/', date-time patterns. */
function zodKeyword(node: SchemaNode, keyword: string): unknown {
  const value = node[keyword];
  if (keyword === 'minimum' && value === Number.MIN_SAFE_INTEGER) return undefined;
  if (keyword === 'maximum' && value === Number.MAX_SAFE_INTEGER) return undefined;
  if (keyword === 'pattern' && node.format === 'date-time') return undefined;
  if (keyword === 'pattern' && typeof value === 'string') return value.replaceAll('\\/', '/');
  return value;
}

function differences(crd: SchemaNode, zod: SchemaNode, path: string): string[] {
  const found = comparedKeywords.flatMap((keyword) => {
    const crdValue = JSON.stringify(crd[keyword]);
    const zodValue = JSON.stringify(zodKeyword(zod, keyword));
    return crdValue === zodValue ? [] : [`${path}: ${keyword} is ${crdValue} in the CRD, ${zodValue} in zod`];
  });
  if ((crd.format === 'date-time') !== (zod.format === 'date-time')) found.push(`${path}: only one side is a date-time`);
  const implied = path === '' ? ['apiVersion', 'kind', 'metadata'] : [];
  const crdRequired = JSON.stringify([...(crd.required ?? [])].sort());
  const zodRequired = JSON.stringify((zod.required ?? []).filter((name) => !implied.includes(name)).sort());
  if (crdRequired !== zodRequired) found.push(`${path || '<root>'}: required is ${crdRequired} in the CRD, ${zodRequired} in zod`);
  const names = new Set([...Object.keys(crd.properties ?? {}), ...Object.keys(zod.properties ?? {})]);
  for (const name of [...names].sort()) {
    const childPath = path === '' ? name : `${path}.${name}`;
    const crdChild = crd.properties?.[name];
    const zodChild = zod.properties?.[name];
    if (crdChild === undefined) found.push(`${childPath}: only in zod`);
    else if (zodChild === undefined) found.push(`${childPath}: only in the CRD`);
    else if (childPath !== 'metadata') found.push(...differences(crdChild, zodChild, childPath));
  }
  if (crd.items !== undefined || zod.items !== undefined) found.push(...differences(crd.items ?? {}, zod.items ?? {}, `${path}[]`));
  return found;
}

function undescribed(node: SchemaNode, path: string): string[] {
  const children = Object.entries(node.properties ?? {}).flatMap(([name, child]) =>
    name === 'metadata' && path === '' ? [] : undescribed(child, path === '' ? name : `${path}.${name}`));
  const items = node.items === undefined ? [] : undescribed(node.items, `${path}[]`);
  return [...(node.description ? [] : [path || '<root>']), ...children, ...items];
}

function hasCelRules(node: SchemaNode): boolean {
  return (node['x-kubernetes-validations'] ?? []).length > 0
    || Object.values(node.properties ?? {}).some(hasCelRules)
    || (node.items !== undefined && hasCelRules(node.items));
}

function examples(folder: string, prefix = ''): { file: string; text: string }[] {
  const directory = `${crdsDirectory}examples/${folder}/`;
  return readdirSync(directory).filter((file) => file.startsWith(prefix) && file.endsWith('.yaml')).sort()
    .map((file) => ({ file: `${folder}/${file}`, text: readFileSync(`${directory}${file}`, 'utf8') }));
}

describe('Rollout', () => {
  describe('the CRD and the zod schema', () => {
    it('declares the cluster-scoped kind, plural, short name and version the code uses, with a status subresource', () => {
      assert.equal(`${definition.spec.group}/${servedVersion?.name}`, apiVersion);
      assert.equal(definition.spec.names.kind, rolloutKind);
      assert.equal(definition.spec.names.plural, rolloutPlural);
      assert.deepEqual(definition.spec.names.shortNames, ['ro']);
      assert.equal(definition.spec.scope, 'Cluster');
      assert.deepEqual(servedVersion?.subresources?.status, {});
    });

    it('prints the phase, version, progress and age', () => {
      const columns = servedVersion?.additionalPrinterColumns?.map((column) => `${column.name}=${column.jsonPath}`);
      assert.deepEqual(columns, [
        'Phase=.status.phase', 'Version=.spec.version', 'Updated=.status.updated', 'Total=.status.total',
        'Reason=.status.reason', 'Age=.metadata.creationTimestamp',
      ]);
    });

    it('has the same fields, required lists, enums, defaults and limits', () => {
      assert.deepEqual(differences(crdRoot(), zodRoot(), ''), []);
    });

    it('describes every field', () => {
      assert.deepEqual(undescribed(crdRoot(), ''), []);
    });

    it('has no CEL rule that zod would have to mirror', () => {
      assert.equal(hasCelRules(crdRoot()), false);
    });

    it('notices a difference (the comparison is not vacuous)', () => {
      const changed = crdRoot();
      changed.properties!.spec!.properties!.maxConcurrent!.default = 10;
      assert.deepEqual(differences(changed, zodRoot(), ''), ['spec.maxConcurrent: default is 10 in the CRD, 5 in zod']);
      const widened = RolloutSchema.extend({ spec: RolloutSpecSchema.extend({ surge: z.int().optional() }) });
      assert.deepEqual(differences(crdRoot(), zodRoot(widened), ''), ['spec.surge: only in zod']);
    });
  });

  describe('the spec', () => {
    it('fills in the same defaults as the CRD', () => {
      assert.deepEqual(RolloutSpecSchema.parse({ version: '1.5.0' }), {
        version: '1.5.0', maxConcurrent: 5, healthDeadlineSeconds: 300, paused: false, rollback: false,
      });
    });

    it('refuses out-of-range bounds, a version that is not SemVer and an empty plan list', () => {
      for (const spec of [
        { version: '1.5.0', maxConcurrent: 0 }, { version: '1.5.0', maxConcurrent: 101 },
        { version: '1.5.0', healthDeadlineSeconds: 9 }, { version: '1.5.0', healthDeadlineSeconds: 3601 },
        { version: 'v1.5.0' }, { version: '1.5.0', selector: { plans: [] } }, { version: '1.5.0', selector: { plans: ['Gold'] } },
      ]) {
        assert.equal(RolloutSpecSchema.safeParse(spec).success, false, JSON.stringify(spec));
      }
    });
  });

  describe('crds/examples', () => {
    for (const example of examples('rollouts')) {
      it(`accepts ${example.file}`, () => {
        const result = RolloutSchema.safeParse(parse(example.text));
        assert.ok(result.success, result.error?.message);
      });
    }

    for (const example of examples('invalid', 'rollout-')) {
      it(`refuses ${example.file} for the field its first line names`, () => {
        const field = /^# expect: (\S+?)(?=[: ])/.exec(example.text)?.[1];
        assert.ok(field, `${example.file} must start with "# expect: <field>..."`);
        const result = RolloutSchema.safeParse(parse(example.text));
        assert.ok(!result.success, `${example.file} was accepted`);
        assert.deepEqual(result.error.issues.map((issue) => issue.path.filter((part) => typeof part === 'string').join('.')), [field]);
      });
    }
  });
});
