/**
 * The chart's alerts and dashboard against a real operator's /metrics: a real operator onboards
 * tenants through a KMS that throttles, audits them, and is scraped; every metric an alert or a
 * panel reads must be in that scrape, and `promtool test rules` evaluates each alert and each panel
 * on series built from it (the scrape's own names and label sets, given the job and namespace a
 * ServiceMonitor scrape adds). A renamed metric or label fails here. The same run checks what
 * `kubectl get tenants -o wide` prints.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KmsThrottleProxy, testEnvironment, type Environment } from '@bulkhead/testenv';
import { KubeClient } from '../../src/kube/client.js';
import { regionSettings } from '../../../bench/lib/operator-settings.js';
import { createTenants, tenantNames, TenantTracker } from '../../../bench/lib/tenants.js';
import { eventually } from '../support/cluster.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { deleteTenantsAndWait } from '../support/tenants.js';
import type * as k8s from '@kubernetes/client-node';
import {
  alertingRules,
  dashboardOf,
  dashboardQueries,
  exposedNames,
  metricNames,
  monitoringOn,
  parseExposition,
  releaseNamespace,
  renderChart,
  ruleGroups,
  runPromtool,
  type AlertingRule,
  type Exposition,
  type Sample,
} from './monitoring.js';

/** What a ServiceMonitor scrape of the chart's metrics Service adds to every series. */
const target = { job: 'bulkhead-operator-metrics', namespace: releaseNamespace, pod: 'bulkhead-operator-0', instance: '10.0.0.10:8081' };
/** Prometheus' own series for every target, the one name an alert may read that /metrics does not serve. */
const prometheusOwn = new Set(['up']);
const minutes = 150;

describe('the chart’s alerts and dashboard on a real operator’s /metrics', function () {
  let env: Environment;
  let kc: k8s.KubeConfig;
  let client: KubeClient;
  let proxy: KmsThrottleProxy;
  let tracker: TenantTracker;
  let operator: OperatorProcess | undefined;
  const names = tenantNames('monitored', 3);
  /** Before the first audit, and after an audit of Ready tenants; with when each was taken. */
  let fresh: { exposition: Exposition; at: number };
  let settled: { exposition: Exposition; at: number };

  before(async function () {
    this.timeout(300_000);
    env = testEnvironment();
    kc = await prepareCluster();
    await deleteTenantsAndWait(kc, names);
    client = KubeClient.load(env.kubeconfig);
    // KMS allows one request per operation every two seconds, the operator's budget five a second:
    // the three tenants' CreateKeys meet ThrottlingExceptions even on a slow machine.
    proxy = await KmsThrottleProxy.start(env.kms.endpoint, { requestsPerSecond: 0.5 });
    tracker = new TenantTracker(client);
    tracker.run();
    operator = startOperator({
      workers: 4,
      regions: regionSettings(env, proxy.url),
      audit: { initialDelaySeconds: 15, intervalSeconds: 60 },
    });
    // The audit's gauges appear once the replica leads; the first audit waits 15 s more.
    fresh = await eventually(
      'the audit gauges on /metrics',
      async () => {
        const first = await scrape(operator!);
        return sampleValue(first.exposition, 'bulkhead_audit_last_success_timestamp_seconds') === undefined ? undefined : first;
      },
      60_000,
    );
    assert.equal(
      sampleValue(fresh.exposition, 'bulkhead_audit_last_success_timestamp_seconds'),
      0,
      'the first scrape came before the first audit (the gauge says 0)',
    );
    for (const [name, at] of await createTenants(client, names)) tracker.expect(name, at);
    await tracker.waitReady(names, 120_000);
    // An audit that ran after every tenant was Ready.
    const audited = auditRuns(await scrape(operator));
    settled = await eventually(
      'an isolation audit of the Ready tenants',
      async () => {
        const next = await scrape(operator!);
        return auditRuns(next) > audited ? next : undefined;
      },
      90_000,
    );
  });

  after(async function () {
    proxy.setRate(1000);
    if (operator) await deleteTenantsAndWait(kc, names, 120_000);
    await operator?.stop();
    await tracker.stop();
    client.close();
    await proxy.close();
  });

  it('exposes every metric an alert or a dashboard panel reads', function () {
    const exposed = exposedNames(settled.exposition);
    const objects = renderChart(monitoringOn);
    const queries = [
      ...alertingRules(objects).map((rule) => ({ title: `alert ${rule.alert}`, expr: rule.expr })),
      ...dashboardQueries(dashboardOf(objects).dashboard, target.job, target.namespace),
    ];
    const missing = queries.flatMap(({ title, expr }) =>
      metricNames(expr)
        .filter((name) => !exposed.has(name) && !prometheusOwn.has(name))
        .map((name) => `${title}: ${name}`),
    );
    assert.deepEqual(missing, [], `not on /metrics:\n${missing.join('\n')}`);
    // The label values the alerts match on were really seen.
    assert.ok(
      settled.exposition.samples.some(
        (s) => s.name === 'bulkhead_provider_throttled_total' && s.labels.provider === 'kms' && s.labels.by === 'provider' && s.value > 0,
      ),
      'KMS throttled the operator and /metrics says so with provider="kms",by="provider"',
    );
    assert.ok(
      settled.exposition.samples.some(
        (s) =>
          s.name === 'bulkhead_kube_requests_total' && s.labels.verb === 'POST' && !['leases', 'events'].includes(s.labels.resource ?? ''),
      ),
      'the operator\'s writes are counted with verb="POST" and a resource',
    );
  });

  it('fires each alert on the series it watches, and none while the operator is healthy (promtool test rules)', function () {
    const rules = alertingRules(renderChart(monitoringOn));
    const rule = (name: string): AlertingRule => rules.find((r) => r.alert === name) ?? assert.fail(`no alert ${name}`);
    // Healthy means the audit finds nothing. The scrape's own findings are whatever the shared test
    // environment holds when this spec runs (other specs' leftovers give an inventory finding in a
    // whole run), so the findings gauges keep their label sets from the scrape and are set to 0.
    const noFindings: Override = () => `0+0x${minutes}`;
    const healthy = series(settled, {
      // Audits keep succeeding: one a minute.
      bulkhead_audit_last_success_timestamp_seconds: (sample) => `${relative(sample.value, settled.at)}+60x${minutes}`,
      bulkhead_audit_findings: noFindings,
    });
    const throttled = settled.exposition.samples.filter(
      (s) => s.name === 'bulkhead_provider_throttled_total' && s.labels.provider === 'kms' && s.labels.by === 'provider',
    );
    const regions = [...new Set(throttled.map((s) => s.labels.region ?? ''))].sort();
    const firstFindings = settled.exposition.samples
      .filter((s) => s.name === 'bulkhead_audit_findings')
      .map((s) => s.labels.category ?? '')
      .sort()[0];
    assert.ok(firstFindings, 'the audit reports findings by category');
    const write = settled.exposition.samples.find(
      (s) =>
        s.name === 'bulkhead_kube_requests_total' && s.labels.verb === 'POST' && !['leases', 'events'].includes(s.labels.resource ?? ''),
    );

    const tests = [
      {
        name: 'healthy: no alert',
        interval: '1m',
        input_series: healthy,
        alert_rule_test: rules.flatMap((r) => ['10m', '90m', '140m'].map((at) => ({ eval_time: at, alertname: r.alert, exp_alerts: [] }))),
      },
      {
        name: 'a fresh start: no audit yet, but within the grace of 30 minutes',
        interval: '1m',
        input_series: series(fresh, {}),
        alert_rule_test: [
          { eval_time: '20m', alertname: 'BulkheadAuditNotRunning', exp_alerts: [] },
          {
            eval_time: '40m',
            alertname: 'BulkheadAuditNotRunning',
            exp_alerts: [expected(rule('BulkheadAuditNotRunning'), { namespace: target.namespace })],
          },
        ],
      },
      {
        name: 'the audit stopped after its last success',
        interval: '1m',
        input_series: series(settled, {}),
        alert_rule_test: [
          { eval_time: '20m', alertname: 'BulkheadAuditNotRunning', exp_alerts: [] },
          {
            eval_time: '40m',
            alertname: 'BulkheadAuditNotRunning',
            exp_alerts: [expected(rule('BulkheadAuditNotRunning'), { namespace: target.namespace })],
          },
        ],
      },
      {
        name: 'no replica answers its scrape',
        interval: '1m',
        input_series: [{ series: promSeries('up', target), values: `0+0x${minutes}` }],
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'BulkheadOperatorDown',
            exp_alerts: [expected(rule('BulkheadOperatorDown'), { job: target.job, namespace: target.namespace })],
          },
        ],
      },
      {
        name: 'no replica left to scrape',
        interval: '1m',
        input_series: [{ series: promSeries('up', { ...target, job: 'another' }), values: `1+0x${minutes}` }],
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'BulkheadOperatorDown',
            exp_alerts: [expected(rule('BulkheadOperatorDown'), { job: target.job, namespace: target.namespace })],
          },
        ],
      },
      {
        name: 'no leader',
        interval: '1m',
        input_series: series(settled, { leader_election_master_status: () => `0+0x${minutes}` }),
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'BulkheadNoLeader',
            exp_alerts: [expected(rule('BulkheadNoLeader'), { namespace: target.namespace })],
          },
        ],
      },
      {
        name: 'isolation findings',
        interval: '1m',
        input_series: series(settled, {
          bulkhead_audit_findings: (sample, base) =>
            sample.labels.category === firstFindings ? `2+0x${minutes}` : noFindings(sample, base),
        }),
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'BulkheadIsolationFindings',
            exp_alerts: [expected(rule('BulkheadIsolationFindings'), { namespace: target.namespace, category: firstFindings }, 2)],
          },
        ],
      },
      {
        name: 'KMS keeps throttling',
        interval: '1m',
        input_series: series(settled, {
          bulkhead_provider_throttled_total: (sample, base) => (throttled.includes(sample) ? `${sample.value}+1x${minutes}` : base),
        }),
        alert_rule_test: [
          {
            eval_time: '60m',
            alertname: 'BulkheadKmsThrottled',
            exp_alerts: regions.map((region) => expected(rule('BulkheadKmsThrottled'), { namespace: target.namespace, region })),
          },
        ],
      },
      {
        name: 'reconciles keep failing',
        interval: '1m',
        input_series: series(settled, {
          controller_runtime_reconcile_errors_total: (sample, base) =>
            sample.labels.controller === 'tenant' ? `${sample.value}+1x${minutes}` : base,
        }),
        alert_rule_test: [
          {
            eval_time: '60m',
            alertname: 'BulkheadReconcileErrors',
            exp_alerts: [expected(rule('BulkheadReconcileErrors'), { namespace: target.namespace, controller: 'tenant' })],
          },
        ],
      },
      {
        name: 'writes while nothing changes',
        interval: '1m',
        input_series: series(settled, {
          bulkhead_kube_requests_total: (sample, base) => (sample === write ? `${sample.value}+10x${minutes}` : base),
        }),
        alert_rule_test: [
          {
            eval_time: '100m',
            alertname: 'BulkheadWritesInSteadyState',
            exp_alerts: [expected(rule('BulkheadWritesInSteadyState'), { namespace: target.namespace })],
          },
        ],
      },
      {
        // Every panel's query (and each variable's) returns series: clamp_max(count(...), 1) is 1.
        name: 'every dashboard query has data',
        interval: '1m',
        input_series: healthy,
        promql_expr_test: dashboardQueries(dashboardOf(renderChart(monitoringOn)).dashboard, target.job, target.namespace).map(
          ({ expr }) => ({ expr: `clamp_max(count(${expr}), 1)`, eval_time: '90m', exp_samples: [{ labels: '{}', value: 1 }] }),
        ),
      },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-rule-tests-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify(ruleGroups(renderChart(monitoringOn))));
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
    const output = runPromtool(['test', 'rules', 'tests.yaml'], dir);
    assert.match(output, /SUCCESS/);
  });

  it('kubectl get tenants -o wide shows each tenant’s namespace, deployed app version and IsolationVerified', async function () {
    const rows = await eventually(
      'IsolationVerified=True on every tenant',
      () => {
        const table = execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'get', 'tenants', '-o', 'wide', ...names], {
          encoding: 'utf8',
        });
        const [header = '', ...lines] = table.trim().split('\n');
        const columns = header.split(/\s{2,}/);
        const parsed = lines.map((line) => Object.fromEntries(line.split(/\s{2,}/).map((cell, i) => [columns[i] ?? '', cell])));
        return Promise.resolve(parsed.every((row) => row.ISOLATIONVERIFIED === 'True') ? { columns, parsed } : undefined);
      },
      90_000,
    );
    assert.deepEqual(rows.columns.slice(-3), ['NAMESPACE', 'APP VERSION', 'ISOLATIONVERIFIED']);
    for (const row of rows.parsed) {
      const name = row.NAME ?? '';
      const tenant = tracker.latest.get(name);
      assert.equal(row.NAMESPACE, `tenant-${name}`);
      assert.match(row['APP VERSION'] ?? '', /^\d+\.\d+\.\d+/);
      assert.equal(row['APP VERSION'], (tenant?.status as { app?: { version?: string } } | undefined)?.app?.version);
    }
  });
});

async function scrape(operator: OperatorProcess): Promise<{ exposition: Exposition; at: number }> {
  const url = await operator.metricsUrl();
  const at = Date.now() / 1000;
  return { exposition: parseExposition(await (await fetch(url)).text()), at };
}

function sampleValue(exposition: Exposition, name: string): number | undefined {
  return exposition.samples.find((sample) => sample.name === name)?.value;
}

function auditRuns(scraped: { exposition: Exposition }): number {
  return scraped.exposition.samples
    .filter((s) => s.name === 'bulkhead_audit_runs_total' && s.labels.result === 'success')
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * A wall-clock timestamp as promtool's clock sees it: the scrape happened at its time 0 (so a gauge
 * that says 0, "never", lies as far in the past as it really does).
 */
const relative = (timestamp: number, scrapedAt: number): number => Math.round(timestamp - scrapedAt);

function promSeries(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',')}}`;
}

type Override = (sample: Sample, base: string) => string;

/**
 * promtool input series from a scrape, one sample a minute for `minutes`: every sample as it was
 * (counters flat, timestamps relative to the scrape), except where `overrides` (by metric family)
 * says otherwise; the target is up.
 */
function series(
  scraped: { exposition: Exposition; at: number },
  overrides: Record<string, Override>,
): { series: string; values: string }[] {
  const family = (name: string): string => name.replace(/_(bucket|sum|count)$/, '');
  const input = scraped.exposition.samples
    .filter((sample) => Number.isFinite(sample.value))
    .map((sample) => {
      const value = /_timestamp_seconds$|^process_start_time_seconds$/.test(sample.name)
        ? relative(sample.value, scraped.at)
        : sample.value;
      const base = `${value}+0x${minutes}`;
      const override = overrides[sample.name] ?? overrides[family(sample.name)];
      return { series: promSeries(sample.name, { ...sample.labels, ...target }), values: override ? override(sample, base) : base };
    });
  return [...input, { series: promSeries('up', target), values: `1+0x${minutes}` }];
}

/** The alert promtool should see: its labels, and its annotations with Prometheus' templates filled in. */
function expected(rule: AlertingRule, labels: Record<string, string>, value?: number) {
  const all = { ...rule.labels, ...labels };
  const fill = (text: string): string =>
    text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => all[name] ?? '').replace(/\{\{ \$value \}\}/g, String(value ?? ''));
  return {
    exp_labels: all,
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([key, text]) => [key, fill(text)])),
  };
}
