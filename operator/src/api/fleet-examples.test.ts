/**
 * The fleet-manager examples in deploy/examples/fleet (docs/cells.md): they parse, the chart values
 * the Argo CD ApplicationSet gives each cell are valid under charts/bulkhead/values.schema.json and
 * name only keys it defines, the operator configuration inside them is one the operator accepts,
 * every cluster label a template reads is one the example cluster Secret sets, and the Rollouts
 * they deliver are valid Rollouts. The manifests of Argo CD and Open Cluster Management themselves
 * are checked only for what Bulkhead relies on, not against those projects' schemas.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse, parseAllDocuments } from 'yaml';
import { parseOperatorConfig } from './operator-config.js';
import { RolloutSchema, rolloutPhases } from './rollout.js';

const examples = fileURLToPath(new URL('../../../deploy/examples/fleet/', import.meta.url));
const valuesSchema = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../charts/bulkhead/values.schema.json', import.meta.url)), 'utf8'),
) as JsonSchema;

const chartDefaults = parse(
  readFileSync(fileURLToPath(new URL('../../../charts/bulkhead/values.yaml', import.meta.url)), 'utf8'),
) as Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm's merge of a values file over the chart's values.yaml: maps merge key by key, anything else replaces. */
function overChartDefaults(defaults: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(values)) {
    const base = merged[key];
    merged[key] = isObject(base) && isObject(value) ? overChartDefaults(base, value) : value;
  }
  return merged;
}

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}
type Manifest = { kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(`${examples}${file}`, 'utf8')).map((document) => {
    assert.deepEqual(document.errors, [], `${file} is not valid YAML`);
    return document.toJS() as Manifest;
  });
}

const only = (file: string, kind: string): Manifest => {
  const found = manifests(file).filter((manifest) => manifest.kind === kind);
  assert.equal(found.length, 1, `${file}: one ${kind}`);
  return found[0] as Manifest;
};

const clusterSecret = only('argocd-cell-cluster-secret.yaml', 'Secret') as Manifest & { stringData: Record<string, string> };
const cellLabels = clusterSecret.metadata.labels ?? {};

/** An ApplicationSet template as Argo CD's cluster generator would render it for the example cell. */
function renderForCell(value: unknown): unknown {
  const text = JSON.stringify(value)
    .replace(/\{\{index \.metadata\.labels \\"([^"\\]+)\\"\}\}/g, (_, label: string) => {
      const found = cellLabels[label];
      assert.ok(found !== undefined, `the template reads label ${label}, which the example cluster Secret does not set`);
      return found;
    })
    .replace(/\{\{\.name\}\}/g, clusterSecret.stringData.name ?? '')
    .replace(/\{\{\.server\}\}/g, clusterSecret.stringData.server ?? '');
  assert.doesNotMatch(text, /\{\{/, 'a template expression the test does not render');
  return JSON.parse(text);
}

/** Every key path in `values` that the schema does not define, where it lists its properties. */
function undefinedKeys(values: unknown, schema: JsonSchema | undefined, path = ''): string[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values) || !schema?.properties) return [];
  return Object.entries(values).flatMap(([key, value]) => {
    const child = schema.properties?.[key];
    if (child) return undefinedKeys(value, child, `${path}${key}.`);
    return schema.additionalProperties === false ? [`${path}${key}`] : [];
  });
}

const applicationSets = readdirSync(examples)
  .filter((file) => file.startsWith('argocd-') && file.endsWith('-applicationset.yaml'))
  .map((file) => ({ file, set: only(file, 'ApplicationSet') as Manifest & { spec: Record<string, unknown> } }));

describe('the fleet-manager examples', function () {
  it('give each cell chart values the chart schema accepts, naming only keys it defines', function () {
    const withValues = applicationSets.filter(({ set }) => JSON.stringify(set).includes('valuesObject'));
    assert.ok(withValues.length > 0, 'an example installs the chart');
    // The chart's schema names draft-07 by its https URI, which ajv does not know by that spelling: it is not itself validated.
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(ajv);
    const validate = ajv.compile(valuesSchema);
    for (const { file, set } of withValues) {
      const template = renderForCell(set.spec.template) as { spec: { source: { helm: { valuesObject: Record<string, unknown> } } } };
      const values = template.spec.source.helm.valuesObject;
      assert.ok(validate(overChartDefaults(chartDefaults, values)), `${file}: ${JSON.stringify(validate.errors)}`);
      assert.deepEqual(undefinedKeys(values, valuesSchema), [], `${file}: values the chart does not define`);
      assert.deepEqual(undefinedKeys({ cellApi: { enabled: true } }, valuesSchema), []);
      const config = (values.operator as { config: unknown }).config;
      const parsed = parseOperatorConfig(config);
      assert.deepEqual(Object.keys(parsed.regions), [cellLabels['bulkhead.dev/region']]);
      assert.equal((values.cellApi as { enabled: boolean }).enabled, true, `${file}: a cell enables the cellApi identity`);
    }
  });

  it('catches a chart value the schema does not define', function () {
    assert.deepEqual(undefinedKeys({ cellApi: { enabled: true, auditReport: 'x' } }, valuesSchema), ['cellApi.auditReport']);
  });

  it('progress through waves the Applications are labelled with, from cluster labels the cell sets', function () {
    for (const { file, set } of applicationSets) {
      const strategy = set.spec.strategy as { rollingSync: { steps: { matchExpressions: { key: string; values: string[] }[] }[] } };
      const template = renderForCell(set.spec.template) as { metadata: { labels: Record<string, string> } };
      const steps = strategy.rollingSync.steps.flatMap((step) => step.matchExpressions);
      for (const { key } of steps) assert.ok(template.metadata.labels[key] !== undefined, `${file}: Applications carry ${key}`);
      assert.ok(
        steps.some(({ key, values }) => values.includes(template.metadata.labels[key] ?? '')),
        `${file}: the example cell falls in a wave`,
      );
    }
  });

  it('deliver valid Rollouts, canary cells first, from a Placement that defines the group', function () {
    const placement = only('ocm-rollout.yaml', 'Placement') as Manifest & {
      spec: { decisionStrategy: { groupStrategy: { decisionGroups: { groupName: string }[] } } };
    };
    const replicaSet = only('ocm-rollout.yaml', 'ManifestWorkReplicaSet') as Manifest & {
      spec: {
        placementRefs: { name: string; rolloutStrategy: { progressive: { mandatoryDecisionGroups: { groupName: string }[] } } }[];
        manifestWorkTemplate: { workload: { manifests: unknown[] } };
      };
    };
    const [ref] = replicaSet.spec.placementRefs;
    assert.equal(ref?.name, placement.metadata.name);
    const groups = placement.spec.decisionStrategy.groupStrategy.decisionGroups.map((group) => group.groupName);
    for (const { groupName } of ref?.rolloutStrategy.progressive.mandatoryDecisionGroups ?? []) assert.ok(groups.includes(groupName));
    const rollouts = replicaSet.spec.manifestWorkTemplate.workload.manifests;
    assert.ok(rollouts.length > 0);
    for (const rollout of rollouts) RolloutSchema.parse(rollout);
  });

  it("judge a Rollout's health by phases a Rollout has", function () {
    const config = only('argocd-rollout-health.yaml', 'ConfigMap') as Manifest & { data: Record<string, string> };
    const lua = config.data['resource.customizations.health.bulkhead.dev_Rollout'] ?? '';
    const phases = [...lua.matchAll(/obj\.status\.phase == "([A-Za-z]+)"/g)].map((match) => match[1]);
    assert.deepEqual([...new Set(phases)].sort(), ['Completed', 'Paused', 'RolledBack']);
    for (const phase of phases)
      assert.ok((rolloutPhases as readonly (string | undefined)[]).includes(phase), `${phase} is a Rollout phase`);
  });
});
