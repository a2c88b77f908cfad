/**
 * Renders one tenant's release with the real helm: `helm template`, never `helm install`, so helm
 * keeps no release state and Bulkhead applies the objects itself (server-side apply, pruning).
 * Values go to helm in a private temporary file, never on the command line, where every local
 * user could read them in the process list.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../../runtime/types.js';
import { digestOf } from './digest.js';
import { RenderFailed } from './errors.js';
import { HelmExited, runHelm } from './helm-process.js';
import { ManifestError, parseManifests } from './manifests.js';
import type { ChartValues } from './values.js';

export interface RenderRequest {
  /** Path of the helm binary. */
  helm: string;
  /** A packaged chart (see locateChart) or a chart directory. */
  chartPath: string;
  releaseName: string;
  /** The tenant's namespace; becomes .Release.Namespace. */
  namespace: string;
  values: ChartValues;
  /** The cluster's version for .Capabilities.KubeVersion and the chart's kubeVersion check. */
  kubeVersion?: string;
  /** API versions the cluster serves beyond the built-in ones, for .Capabilities.APIVersions. */
  apiVersions?: readonly string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RenderedRelease {
  /** In helm's order (its install order by kind), as rendered: validate before applying. */
  objects: KubeObject[];
  /** `sha256:<hex>` of the canonical JSON of `objects`. */
  digest: string;
  /** The version in the rendered chart's Chart.yaml. */
  chartVersion: string;
}

/** Renders the chart; RenderFailed carries helm's message when helm refuses the chart or values. */
export async function renderRelease(request: RenderRequest): Promise<RenderedRelease> {
  const [manifest, chartVersion] = await Promise.all([
    withValuesFile(request.values, (valuesFile) => template(request, valuesFile)),
    readChartVersion(request),
  ]);
  try {
    const objects = parseManifests(manifest);
    return { objects, digest: digestOf(objects), chartVersion };
  } catch (error) {
    if (error instanceof ManifestError) throw new RenderFailed({ release: request.releaseName, detail: error.message, cause: error });
    throw error;
  }
}

function template(request: RenderRequest, valuesFile: string): Promise<string> {
  const args = [
    'template',
    request.releaseName,
    request.chartPath,
    '--namespace',
    request.namespace,
    '--values',
    valuesFile,
    // Test hooks are pods for `helm test`; applied as ordinary objects they would run forever.
    '--skip-tests',
  ];
  if (request.kubeVersion) args.push('--kube-version', request.kubeVersion);
  for (const apiVersion of request.apiVersions ?? []) args.push('--api-versions', apiVersion);
  return helmStdout(request, args);
}

async function readChartVersion(request: RenderRequest): Promise<string> {
  const chart = parse(await helmStdout(request, ['show', 'chart', request.chartPath])) as { version?: unknown } | null;
  if (typeof chart?.version !== 'string') {
    throw new RenderFailed({ release: request.releaseName, detail: `${request.chartPath} has no version in Chart.yaml` });
  }
  return chart.version;
}

/** helm's stdout; a non-zero exit becomes RenderFailed with helm's own words. */
async function helmStdout(request: RenderRequest, args: string[]): Promise<string> {
  try {
    const { stdout } = await runHelm({ helm: request.helm, args, timeoutMs: request.timeoutMs, signal: request.signal });
    return stdout;
  } catch (error) {
    if (error instanceof HelmExited) throw new RenderFailed({ release: request.releaseName, detail: error.stderr, cause: error });
    throw error;
  }
}

/**
 * Writes the values as JSON (which is YAML) to a file only this user can read, in a directory
 * only this user can list, and removes both however `use` ends.
 */
async function withValuesFile<T>(values: ChartValues, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bulkhead-values-'));
  try {
    const path = join(dir, 'values.json');
    await writeFile(path, JSON.stringify(values), { mode: 0o600, flag: 'wx' });
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
