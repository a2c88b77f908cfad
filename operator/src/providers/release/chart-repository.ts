/**
 * Charts come from a directory that acts as a Helm repository on disk: one packaged chart per
 * version, named `<chart>-<version>.tgz` as `helm package` names them. A plan names a chart and a
 * version; locateChart turns that into a file, and packageChart makes such files from a chart's
 * source (for tests, and for `make` to fill the demo's repository).
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { semanticVersionPattern } from '../../api/tenant.js';
import { ChartNotFound } from './errors.js';
import { runHelm } from './helm-process.js';

/**
 * Helm's chart names, and nothing that could leave the directory: the name comes from a
 * TenantPlan, and `../` in it must not reach another file.
 */
const chartNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The file `helm package` writes for a chart version. */
export function chartFileName(chart: string, version: string): string {
  return `${chart}-${version}.tgz`;
}

/** The path of the packaged chart, or ChartNotFound naming the chart, the version and what exists. */
export async function locateChart(dir: string, chart: string, version: string): Promise<string> {
  if (!chartNamePattern.test(chart)) {
    throw new ChartNotFound({ chart, version, detail: `"${chart}" is not a valid chart name` });
  }
  if (!semanticVersionPattern.test(version)) {
    throw new ChartNotFound({ chart, version, detail: `"${version}" is not a SemVer 2 version` });
  }
  const path = join(dir, chartFileName(chart, version));
  if (await isFile(path)) return path;
  const available = await availableVersions(dir, chart);
  const detail = available.length > 0 ? `${dir} holds versions ${available.join(', ')}` : `${dir} holds no version of it`;
  throw new ChartNotFound({ chart, version, detail });
}

/** The versions of a chart in the repository, for error messages. */
async function availableVersions(dir: string, chart: string): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const prefix = `${chart}-`;
  return (
    files
      .filter((file) => file.startsWith(prefix) && file.endsWith('.tgz'))
      .map((file) => file.slice(prefix.length, -'.tgz'.length))
      // `tenant-app-extra-1.0.0.tgz` starts with `tenant-app-` too; only a bare version counts.
      .filter((version) => semanticVersionPattern.test(version))
      .sort()
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export interface PackageOptions {
  /** The chart version to stamp into the package (Chart.yaml's own version is ignored). */
  version: string;
  appVersion: string;
  timeoutMs?: number;
}

/** Packages a chart directory at the given version into outDir; returns the package's path. */
export async function packageChart(helm: string, chartDir: string, outDir: string, options: PackageOptions): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const args = ['package', chartDir, '--version', options.version, '--app-version', options.appVersion, '-d', outDir];
  await runHelm({ helm, args, timeoutMs: options.timeoutMs });
  const path = join(outDir, chartFileName(await chartName(chartDir), options.version));
  if (!(await isFile(path))) throw new Error(`helm package reported success but did not write ${path}`);
  return path;
}

async function chartName(chartDir: string): Promise<string> {
  const chart = parse(await readFile(join(chartDir, 'Chart.yaml'), 'utf8')) as { name?: unknown } | null;
  if (typeof chart?.name !== 'string') throw new Error(`${chartDir}/Chart.yaml has no name`);
  return chart.name;
}
