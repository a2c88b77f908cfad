/**
 * The chart's alerts (a PrometheusRule) and Grafana dashboard (a ConfigMap for the dashboard
 * sidecar): off by default, rendered when asked, scoped to the release's operator, accepted by
 * `promtool check rules`. monitoring-metrics.spec.ts evaluates them against a real operator's /metrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  alertingRules,
  chartPath,
  dashboardOf,
  dashboardQueries,
  metricNames,
  monitoringOn,
  releaseNamespace,
  renderChart,
  ruleGroups,
  runPromtool,
} from './monitoring.js';

const defaultSelector = `job="bulkhead-operator-metrics",namespace="${releaseNamespace}"`;

describe('the chart’s alerts and dashboard', function () {
  it('are not rendered by default', function () {
    const kinds = renderChart().map((object) => `${object.kind}/${object.metadata.name}`);
    assert.ok(!kinds.some((kind) => kind.startsWith('PrometheusRule/')), kinds.join(', '));
    assert.ok(!kinds.includes('ConfigMap/bulkhead-operator-dashboard'), kinds.join(', '));
  });

  it('render a PrometheusRule whose every alert has a severity and a summary and reads only this release’s operator', function () {
    const objects = renderChart(monitoringOn);
    const rules = alertingRules(objects);
    assert.deepEqual(
      rules.map((rule) => rule.alert),
      [
        'BulkheadOperatorDown',
        'BulkheadNoLeader',
        'BulkheadIsolationFindings',
        'BulkheadAuditNotRunning',
        'BulkheadKmsThrottled',
        'BulkheadReconcileErrors',
        'BulkheadWritesInSteadyState',
      ],
    );
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, rule.alert);
      assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
      // Every series selector starts with the release's matchers: other controllers export controller_runtime_* too.
      const selectors = [...rule.expr.matchAll(/[\w:]+\{([^}]*)\}/g)].map((match) => match[1] ?? '');
      assert.ok(
        selectors.length >= 1 && selectors.length === metricOccurrences(rule.expr),
        `${rule.alert}: every metric has matchers: ${rule.expr}`,
      );
      for (const selector of selectors) assert.ok(selector.startsWith(defaultSelector), `${rule.alert}: ${selector}`);
    }
  });

  it('take the PrometheusRule’s labels, extra alert labels and another selector from values', function () {
    const objects = renderChart({
      metrics: {
        prometheusRule: {
          enabled: true,
          labels: { release: 'kube-prometheus-stack' },
          alertLabels: { team: 'platform' },
          selector: 'service="bulkhead",cluster="eu"',
        },
      },
    });
    const rule = objects.find((object) => object.kind === 'PrometheusRule');
    assert.equal(rule?.metadata.labels?.release, 'kube-prometheus-stack');
    for (const alert of alertingRules(objects)) {
      assert.equal(alert.labels?.team, 'platform', alert.alert);
      assert.ok(
        alert.expr.includes('{service="bulkhead",cluster="eu"') && !alert.expr.includes('job="bulkhead-operator-metrics"'),
        alert.expr,
      );
    }
  });

  it('refuse a selector that is not PromQL label matchers, naming the field', function () {
    assert.throws(
      () => renderChart({ metrics: { prometheusRule: { enabled: true, selector: '{job="x"}' } } }),
      (error: Error & { stderr?: string }) => /metrics\/prometheusRule\/selector'.*does not match pattern/.test(error.stderr ?? ''),
    );
  });

  it('pass promtool check rules', function () {
    const file = join(mkdtempSync(join(tmpdir(), 'bulkhead-rules-')), 'rules.yaml');
    writeFileSync(file, stringify(ruleGroups(renderChart(monitoringOn))));
    const output = runPromtool(['check', 'rules', '--lint=all', '--lint-fatal', file]);
    assert.match(output, /SUCCESS: 7 rules found/);
  });

  it('render the dashboard in a ConfigMap the Grafana sidecar picks up, exactly as in dashboards/', function () {
    const { configMap, dashboard } = dashboardOf(renderChart(monitoringOn));
    assert.equal(configMap.metadata.namespace, releaseNamespace);
    assert.equal(configMap.metadata.labels?.grafana_dashboard, '1');
    assert.equal(configMap.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
    assert.deepEqual(dashboard, JSON.parse(readFileSync(join(chartPath, 'dashboards/bulkhead-operator.json'), 'utf8')));
    assert.equal(dashboard.uid, 'bulkhead-operator');
    assert.ok(dashboard.panels.length >= 10, `${dashboard.panels.length} panels`);
  });

  it('put the dashboard where values say, with their labels and annotations', function () {
    const { configMap } = dashboardOf(
      renderChart({
        metrics: {
          grafanaDashboard: {
            enabled: true,
            namespace: 'monitoring',
            labels: { grafana_dashboard: 'bulkhead' },
            annotations: { grafana_folder: 'Platform' },
          },
        },
      }),
    );
    assert.equal(configMap.metadata.namespace, 'monitoring');
    assert.equal(configMap.metadata.labels?.grafana_dashboard, 'bulkhead');
    assert.equal(configMap.metadata.annotations?.grafana_folder, 'Platform');
  });

  it('query every panel by the job and namespace variables', function () {
    const { dashboard } = dashboardOf(renderChart(monitoringOn));
    const panels = dashboardQueries(dashboard, '<job>', '<namespace>').filter(({ title }) => !title.startsWith('variable '));
    for (const { title, expr } of panels) {
      const selectors = [...expr.matchAll(/[\w:]+\{([^}]*)\}/g)].map((match) => match[1] ?? '');
      assert.equal(selectors.length, metricOccurrences(expr), `${title}: every metric has matchers: ${expr}`);
      for (const selector of selectors) assert.match(selector, /^job="<job>"/, `${title}: ${expr}`);
    }
  });

  it('name metrics in PromQL as Prometheus reads them (the metric-name reader the metrics spec relies on)', function () {
    assert.deepEqual(
      metricNames('sum by (namespace, region) (rate(bulkhead_provider_throttled_total{provider="kms",by="provider"}[10m])) > 0'),
      ['bulkhead_provider_throttled_total'],
    );
    assert.deepEqual(metricNames('time() - max by (namespace) (a_seconds{x="y"} > b_seconds or b_seconds) > 1.8e3'), [
      'a_seconds',
      'b_seconds',
    ]);
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(x_bucket{job="j"}[5m])))'), ['x_bucket']);
    assert.deepEqual(metricNames('absent(up{job="a"} == 1) unless on (job) c'), ['c', 'up']);
  });
});

/** How many metric selectors an expression has (each must carry matchers). */
function metricOccurrences(expr: string): number {
  return metricNames(expr).reduce((count, name) => count + [...expr.matchAll(new RegExp(`(?<![\\w:])${name}(?![\\w:])`, 'g'))].length, 0);
}
