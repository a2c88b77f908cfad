/**
 * A chart repository for the specs: charts/tenant-app packaged at a few versions, plus one
 * version that never becomes healthy (its pods select a node that does not exist, so they stay
 * Pending), for rollout tests.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnvironment } from '@bulkhead/testenv';
import { chartFileName, packageChart } from '../../src/providers/release/index.js';
import { repoRoot } from './cluster.js';

export const testChartVersions = {
  current: '1.4.2',
  next: '1.5.0',
  /** Renders no Service: switching to it must prune the Service. */
  withoutService: '1.6.0',
  /** Pods select a node that does not exist and stay Pending: never healthy. */
  broken: '1.7.0-broken',
  /** Renders a ClusterRole and a ConfigMap in kube-system: must be refused whole. */
  hostile: '1.8.0-hostile',
} as const;

/** Templates that reach outside the tenant: a ClusterRole and a ConfigMap in kube-system. */
export const hostileTemplates = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list"]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-leak
  namespace: kube-system
data:
  tenant: {{ .Values.tenant.name | quote }}
`;

/** A copy of charts/tenant-app changed by `edit`, packaged at `version`. */
async function packageVariant(dir: string, version: string, edit: (chartDir: string) => void): Promise<void> {
  const env = testEnvironment();
  const copy = join(mkdtempSync(join(env.dir, 'run', 'chart-variant-')), 'tenant-app');
  cpSync(join(repoRoot, 'charts/tenant-app'), copy, { recursive: true });
  edit(copy);
  await packageChart(env.helm, copy, dir, { version, appVersion: version });
}

/** Packages the test charts once per test run and returns the repository directory. */
export async function packageTestCharts(): Promise<string> {
  const env = testEnvironment();
  const dir = join(env.dir, 'run', 'charts');
  mkdirSync(dir, { recursive: true });
  const source = join(repoRoot, 'charts/tenant-app');
  for (const version of [testChartVersions.current, testChartVersions.next]) {
    if (!existsSync(join(dir, chartFileName('tenant-app', version)))) {
      await packageChart(env.helm, source, dir, { version, appVersion: version });
    }
  }
  const variants: [string, (chartDir: string) => void][] = [
    [testChartVersions.withoutService, (chart) => rmSync(join(chart, 'templates/service.yaml'))],
    [
      testChartVersions.broken,
      (chart) =>
        writeFileSync(
          join(chart, 'values.yaml'),
          readFileSync(join(chart, 'values.yaml'), 'utf8').replace(
            'nodeSelector: {}',
            'nodeSelector: { bulkhead.dev/no-such-node: "true" }',
          ),
        ),
    ],
    [testChartVersions.hostile, (chart) => writeFileSync(join(chart, 'templates/hostile.yaml'), hostileTemplates)],
  ];
  for (const [version, edit] of variants) {
    if (!existsSync(join(dir, chartFileName('tenant-app', version)))) await packageVariant(dir, version, edit);
  }
  return dir;
}
