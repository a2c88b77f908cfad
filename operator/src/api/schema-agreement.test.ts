/**
 * Keeps the CRDs and the zod schemas in step: walks each CRD's openAPIV3Schema beside the JSON
 * Schema zod generates and fails on any difference in property names, required lists, enums,
 * defaults or limits, so a field added to one side only cannot slip through.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { TenantPlanSchema, tenantPlanKind, tenantPlanPlural, tenantPlanRuleMessages } from './tenant-plan.js';
import { TenantSchema, TenantSpecSchema, apiVersion, tenantKind, tenantPlural, tenantRuleMessages } from './tenant.js';
import { RolloutSchema, rolloutKind, rolloutPlural } from './rollout.js';
import { TenantRestoreSchema, tenantRestoreKind, tenantRestorePlural, tenantRestoreRuleMessages } from './tenant-restore.js';

/** The parts of an OpenAPI v3 / JSON Schema node this comparison reads. */
interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  additionalProperties?: unknown;
  format?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  [keyword: string]: unknown;
}

interface CustomResourceDefinition {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string };
    versions: { name: string; subresources?: { status?: object }; schema: { openAPIV3Schema: SchemaNode } }[];
  };
}

/** Keywords whose values must be equal on both sides wherever either side sets them. */
const comparedKeywords = ['type', 'enum', 'default', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minimum', 'maximum'];

function readDefinition(file: string): CustomResourceDefinition {
  const path = fileURLToPath(new URL(`../../../crds/${file}`, import.meta.url));
  return parse(readFileSync(path, 'utf8')) as CustomResourceDefinition;
}

function rootSchema(definition: CustomResourceDefinition): SchemaNode {
  const [onlyVersion] = definition.spec.versions;
  assert.ok(onlyVersion, 'the CRD declares a version');
  return onlyVersion.schema.openAPIV3Schema;
}

function zodSchema(schema: z.ZodType): SchemaNode {
  return z.toJSONSchema(schema, { io: 'input' }) as SchemaNode;
}

/**
 * zod spells some things differently without meaning anything different: integers carry
 * JavaScript's safe-integer bounds, a regex source escapes '/', and date-times carry a pattern.
 */
function zodKeyword(node: SchemaNode, keyword: string): unknown {
  const value = node[keyword];
  if (keyword === 'minimum' && value === Number.MIN_SAFE_INTEGER) return undefined;
  if (keyword === 'maximum' && value === Number.MAX_SAFE_INTEGER) return undefined;
  if (keyword === 'pattern' && node.format === 'date-time') return undefined;
  if (keyword === 'pattern' && typeof value === 'string') return value.replaceAll('\\/', '/');
  return value;
}

/** Every difference between a CRD schema node and a zod JSON Schema node, as readable lines. */
function differences(crd: SchemaNode, zod: SchemaNode, path: string): string[] {
  if (crd['x-kubernetes-int-or-string'] === true) return intOrStringDifferences(crd, zod, path);
  const found = keywordDifferences(crd, zod, path);
  if ((crd.format === 'date-time') !== (zod.format === 'date-time')) found.push(`${path}: only one side is a date-time`);
  if (crd['x-kubernetes-preserve-unknown-fields'] === true && zod.additionalProperties === undefined) {
    found.push(`${path}: the CRD preserves unknown fields, zod does not accept them`);
  }
  found.push(...requiredDifferences(crd, zod, path));
  found.push(...propertyDifferences(crd, zod, path));
  if (crd.items !== undefined || zod.items !== undefined) {
    found.push(...differences(crd.items ?? {}, zod.items ?? {}, `${path}[]`));
  }
  return found;
}

function keywordDifferences(crd: SchemaNode, zod: SchemaNode, path: string): string[] {
  return comparedKeywords.flatMap((keyword) => {
    const crdValue = JSON.stringify(crd[keyword]);
    const zodValue = JSON.stringify(zodKeyword(zod, keyword));
    return crdValue === zodValue ? [] : [`${path}: ${keyword} is ${crdValue} in the CRD, ${zodValue} in zod`];
  });
}

function requiredDifferences(crd: SchemaNode, zod: SchemaNode, path: string): string[] {
  // Kubernetes requires apiVersion, kind and metadata itself; the CRD does not list them.
  const implied = path === '' ? ['apiVersion', 'kind', 'metadata'] : [];
  const crdRequired = [...(crd.required ?? [])].sort();
  const zodRequired = (zod.required ?? []).filter((name) => !implied.includes(name)).sort();
  return JSON.stringify(crdRequired) === JSON.stringify(zodRequired)
    ? []
    : [`${path || '<root>'}: required is ${JSON.stringify(crdRequired)} in the CRD, ${JSON.stringify(zodRequired)} in zod`];
}

function propertyDifferences(crd: SchemaNode, zod: SchemaNode, path: string): string[] {
  const crdProperties = crd.properties ?? {};
  const zodProperties = zod.properties ?? {};
  const names = new Set([...Object.keys(crdProperties), ...Object.keys(zodProperties)]);
  return [...names].sort().flatMap((name) => {
    const childPath = path === '' ? name : `${path}.${name}`;
    const crdChild = crdProperties[name];
    const zodChild = zodProperties[name];
    if (crdChild === undefined) return [`${childPath}: only in zod`];
    if (zodChild === undefined) return [`${childPath}: only in the CRD`];
    // The CRD may not describe metadata (kube-apiserver owns its schema), so there is nothing to compare.
    if (childPath === 'metadata') return [];
    return differences(crdChild, zodChild, childPath);
  });
}

/** A quantity: the CRD's int-or-string with a pattern, zod's union of an integer and a string. */
function intOrStringDifferences(crd: SchemaNode, zod: SchemaNode, path: string): string[] {
  const branches = zod.anyOf ?? [];
  const integer = branches.find((branch) => branch.type === 'integer');
  const string = branches.find((branch) => branch.type === 'string');
  if (branches.length !== 2 || integer === undefined || string === undefined) {
    return [`${path}: the CRD says int-or-string, zod says ${JSON.stringify(zod)}`];
  }
  return crd.pattern === zodKeyword(string, 'pattern') ? [] : [`${path}: the quantity patterns differ`];
}

/** Every CRD schema node without a description (metadata may not have one). */
function undescribed(node: SchemaNode, path: string): string[] {
  const children = Object.entries(node.properties ?? {}).flatMap(([name, child]) =>
    name === 'metadata' && path === '' ? [] : undescribed(child, path === '' ? name : `${path}.${name}`),
  );
  const items = node.items === undefined ? [] : undescribed(node.items, `${path}[]`);
  return [...(node.description ? [] : [path || '<root>']), ...children, ...items];
}

/** Every CEL message in a CRD schema, wherever the rule sits. */
function celMessages(node: SchemaNode): string[] {
  const own = (node['x-kubernetes-validations'] ?? []).map((validation) => validation.message ?? validation.rule);
  const children = Object.values(node.properties ?? {}).flatMap(celMessages);
  return [...own, ...children, ...(node.items ? celMessages(node.items) : [])];
}

const kinds = [
  {
    file: 'bulkhead.dev_tenants.yaml',
    kind: tenantKind,
    plural: tenantPlural,
    schema: TenantSchema,
    messages: Object.values(tenantRuleMessages),
  },
  {
    file: 'bulkhead.dev_tenantplans.yaml',
    kind: tenantPlanKind,
    plural: tenantPlanPlural,
    schema: TenantPlanSchema,
    messages: Object.values(tenantPlanRuleMessages),
  },
  { file: 'bulkhead.dev_rollouts.yaml', kind: rolloutKind, plural: rolloutPlural, schema: RolloutSchema, messages: [] as string[] },
  {
    file: 'bulkhead.dev_tenantrestores.yaml',
    kind: tenantRestoreKind,
    plural: tenantRestorePlural,
    schema: TenantRestoreSchema,
    messages: Object.values(tenantRestoreRuleMessages),
  },
];

describe('the CRDs and the zod schemas', () => {
  for (const { file, kind, plural, schema, messages } of kinds) {
    describe(`${kind} (${file})`, () => {
      const definition = readDefinition(file);

      it('declares the cluster-scoped kind, plural and version the code uses, with a status subresource', () => {
        assert.equal(`${definition.spec.group}/${definition.spec.versions[0]?.name}`, apiVersion);
        assert.equal(definition.spec.names.kind, kind);
        assert.equal(definition.spec.names.plural, plural);
        assert.equal(definition.spec.scope, 'Cluster');
        assert.deepEqual(definition.spec.versions[0]?.subresources?.status, {});
      });

      it('has the same fields, required lists, enums, defaults and limits as the zod schema', () => {
        assert.deepEqual(differences(rootSchema(definition), zodSchema(schema), ''), []);
      });

      it('describes every field', () => {
        assert.deepEqual(undescribed(rootSchema(definition), ''), []);
      });

      it('refuses with the same CEL messages the zod refinements give', () => {
        assert.deepEqual(celMessages(rootSchema(definition)).sort(), [...messages].sort());
      });
    });
  }

  describe('the comparison itself', () => {
    const tenantDefinition = rootSchema(readDefinition('bulkhead.dev_tenants.yaml'));

    it('fails when a field is added to the CRD only', () => {
      const widened = structuredClone(tenantDefinition);
      widened.properties!.spec!.properties!.contactEmail = { type: 'string', description: 'Whom to call.' };
      assert.deepEqual(differences(widened, zodSchema(TenantSchema), ''), ['spec.contactEmail: only in the CRD']);
    });

    it('fails when a field is added to zod only', () => {
      const widened = TenantSchema.extend({ spec: TenantSpecSchema.extend({ contactEmail: z.string().optional() }) });
      assert.deepEqual(differences(tenantDefinition, zodSchema(widened), ''), ['spec.contactEmail: only in zod']);
    });

    it('fails when an enum of a list item differs', () => {
      const changed = structuredClone(tenantDefinition);
      changed.properties!.spec!.properties!.owners!.items!.properties!.kind!.enum = ['User', 'Group', 'ServiceAccount'];
      assert.deepEqual(differences(changed, zodSchema(TenantSchema), ''), [
        'spec.owners[].kind: enum is ["User","Group","ServiceAccount"] in the CRD, ["User","Group"] in zod',
      ]);
    });

    it('fails when a quantity pattern differs', () => {
      const planDefinition = rootSchema(readDefinition('bulkhead.dev_tenantplans.yaml'));
      planDefinition.properties!.spec!.properties!.quota!.properties!.cpu!.pattern = '^[0-9]+$';
      assert.deepEqual(differences(planDefinition, zodSchema(TenantPlanSchema), ''), ['spec.quota.cpu: the quantity patterns differ']);
    });

    it('fails when a default differs', () => {
      const changed = structuredClone(tenantDefinition);
      changed.properties!.spec!.properties!.suspended!.default = true;
      assert.deepEqual(differences(changed, zodSchema(TenantSchema), ''), ['spec.suspended: default is true in the CRD, false in zod']);
    });
  });
});
