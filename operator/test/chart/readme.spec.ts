/**
 * charts/bulkhead/README.md lists every value of values.yaml with its default, and nothing else:
 * a value added, removed or with a new default fails here until the table says so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartPath } from './monitoring.js';

/** Maps documented as one row (user data or a Kubernetes type), not key by key. */
const documentedWhole = new Set([
  'operator.config.providerLimits.kms.requestsPerSecond',
  'operator.resources',
  'api.resources',
  'operator.chartRepositoryVolume',
  'operator.snapshotVolume',
  'metrics.grafanaDashboard.labels',
  'networkPolicy.dns.podLabels',
  'podSecurityContext',
  'securityContext',
]);

/** Every documented key of values.yaml with its default, in file order. */
function valuesKeys(values: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(values).flatMap(([key, value]): [string, unknown][] => {
    const path = prefix ? `${prefix}.${key}` : key;
    const isMap = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
    return isMap && !documentedWhole.has(path) ? valuesKeys(value as Record<string, unknown>, path) : [[path, value]];
  });
}

/** The README's table rows: | `key` | `default as JSON` | what it does | */
function readmeRows(): [string, unknown][] {
  const readme = readFileSync(join(chartPath, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\| `([^`]+)` \| `([^`]*)` \|/gm)].map((match) => {
    try {
      return [match[1] ?? '', JSON.parse(match[2] ?? '') as unknown];
    } catch {
      throw new Error(`README.md: the default of ${match[1] ?? ''} is not JSON: ${match[2] ?? ''}`);
    }
  });
}

describe('the chart’s README', function () {
  const values = valuesKeys(parse(readFileSync(join(chartPath, 'values.yaml'), 'utf8')) as Record<string, unknown>);
  const rows = readmeRows();

  it('lists every value of values.yaml, and no value that is not there', function () {
    const documented = new Set(rows.map(([key]) => key));
    const inValues = new Set(values.map(([key]) => key));
    assert.deepEqual(
      values.map(([key]) => key).filter((key) => !documented.has(key)),
      [],
      'values missing from README.md',
    );
    assert.deepEqual(
      rows.map(([key]) => key).filter((key) => !inValues.has(key)),
      [],
      'README.md lists values that values.yaml does not have',
    );
  });

  it('gives each value the default values.yaml has', function () {
    const readme = new Map(rows);
    for (const [key, value] of values) assert.deepEqual(readme.get(key), value, `README.md: the default of ${key}`);
  });
});
