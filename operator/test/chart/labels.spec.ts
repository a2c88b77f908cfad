/** Every object the chart renders carries the standard labels, app.kubernetes.io/managed-by included. */
import assert from 'node:assert/strict';
import { renderChart } from './monitoring.js';

/** Every optional part on, so no template escapes the check. */
const everything = {
  metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } },
  auditor: { subjects: [{ kind: 'Group', name: 'auditors', apiGroup: 'rbac.authorization.k8s.io' }] },
  operator: { config: { audit: { probes: { enabled: true } } } },
};

describe('the chart’s labels', function () {
  it('put managed-by (Helm), name, instance, version and chart on every object, the helm test Pod included', function () {
    const objects = renderChart(everything);
    assert.ok(
      objects.some((object) => object.kind === 'PrometheusRule') && objects.some((object) => object.kind === 'Pod'),
      'everything rendered',
    );
    const unlabelled = objects
      .filter((object) => {
        const labels = object.metadata.labels ?? {};
        return (
          labels['app.kubernetes.io/managed-by'] !== 'Helm' ||
          labels['app.kubernetes.io/name'] !== 'bulkhead' ||
          labels['app.kubernetes.io/instance'] !== 'bulkhead' ||
          !labels['app.kubernetes.io/version'] ||
          !labels['helm.sh/chart']
        );
      })
      .map((object) => `${object.kind}/${object.metadata.name}`);
    assert.deepEqual(unlabelled, []);
  });
});
