/**
 * What the chart's monitoring specs share: the chart rendered with helm, its alerting rules and
 * dashboard as Prometheus and Grafana read them, the metric names a PromQL expression reads, the
 * operator's /metrics parsed, and promtool (hack/build-promtool.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findBinaries } from '../../../testenv/src/binaries.js';
import { repoRoot } from '../support/cluster.js';

export const chartPath = join(repoRoot, 'charts/bulkhead');
export const releaseNamespace = 'bulkhead-system';

export interface ChartObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** `helm template` of charts/bulkhead with `values`; throws with helm's message when it refuses them. */
export function renderChart(values: Record<string, unknown> = {}, extraArgs: string[] = []): ChartObject[] {
  const file = join(mkdtempSync(join(tmpdir(), 'bulkhead-chart-')), 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  const rendered = execFileSync(
    findBinaries().helm,
    ['template', 'bulkhead', chartPath, '--namespace', releaseNamespace, '--values', file, ...extraArgs],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as ChartObject | null)
    .filter((object): object is ChartObject => object !== null);
}

export const monitoringOn = { metrics: { prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } } };

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroups {
  groups: { name: string; rules: AlertingRule[] }[];
}

/** The PrometheusRule's spec: a rule file as Prometheus and promtool read it. */
export function ruleGroups(objects: ChartObject[]): RuleGroups {
  const rule = objects.find((object) => object.kind === 'PrometheusRule');
  if (!rule) throw new Error('the chart rendered no PrometheusRule');
  return rule.spec as RuleGroups;
}

export const alertingRules = (objects: ChartObject[]): AlertingRule[] => ruleGroups(objects).groups.flatMap((group) => group.rules);

interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
}
export interface Dashboard {
  uid: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
}

/** The dashboard ConfigMap and the dashboard it carries. */
export function dashboardOf(objects: ChartObject[]): { configMap: ChartObject; dashboard: Dashboard } {
  const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'bulkhead-operator-dashboard');
  if (!configMap) throw new Error('the chart rendered no dashboard ConfigMap');
  const json = (configMap.data as Record<string, string>)['bulkhead-operator.json'] ?? '';
  return { configMap, dashboard: JSON.parse(json) as Dashboard };
}

/**
 * Every query of the dashboard (panels and variables), with Grafana's variables replaced as
 * Grafana would before sending it to Prometheus.
 */
export function dashboardQueries(dashboard: Dashboard, job: string, namespace: string): { title: string; expr: string }[] {
  const substitute = (expr: string): string =>
    expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$job', job).replaceAll('$namespace', namespace);
  const panels = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ title: panel.title, expr: substitute(target.expr) })),
  );
  const variables = dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => ({
      title: `variable ${variable.name}`,
      // label_values(<selector>, <label>) asks for the series of <selector>.
      expr: substitute((variable.definition ?? '').replace(/^label_values\((.*),\s*\w+\)$/, '$1')),
    }));
  return [...panels, ...variables];
}

const promqlKeywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are neither functions, aggregations
 * (followed by a parenthesis), keywords, label names (inside braces or grouping clauses) nor values.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.:$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = match[1] ?? '';
    if (!promqlKeywords.has(name.toLowerCase())) names.add(name);
  }
  return [...names].sort();
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/** Prometheus' text format as prom-client writes it (no timestamps, no exemplars). */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] ?? '', type[2] ?? '');
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] ?? ''] = JSON.parse(`"${pair[2] ?? ''}"`) as string;
    samples.push({ name: sample[1] ?? '', labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** Every name a scrape answers a query for: each family's samples (histograms' _bucket, _sum, _count). */
export const exposedNames = (exposition: Exposition): Set<string> => new Set(exposition.samples.map((sample) => sample.name));

/** promtool, built and cached by hack/build-promtool.sh (make setup). */
export function promtool(): string {
  return execFileSync('bash', [join(repoRoot, 'hack/build-promtool.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** Runs promtool; resolves to its output, or throws with it when promtool exits non-zero. */
export function runPromtool(args: string[], cwd?: string): string {
  try {
    return execFileSync(promtool(), args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}
