/** What is particular to the Rollout API: its short name, printer columns, defaults and bounds. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { RolloutSpecSchema } from './rollout.js';

// The CRD and zod agreement for Rollout is checked with the other kinds in schema-agreement.test.ts,
// and the examples in examples.test.ts; here, what is particular to Rollout.

interface RolloutDefinition {
  spec: { names: { shortNames?: string[] }; versions: { additionalPrinterColumns?: { name: string; jsonPath: string }[] }[] };
}

const definition = parse(
  readFileSync(fileURLToPath(new URL('../../../crds/bulkhead.dev_rollouts.yaml', import.meta.url)), 'utf8'),
) as RolloutDefinition;

describe('Rollout', () => {
  it('has the short name ro and prints the phase, version, progress and age', () => {
    assert.deepEqual(definition.spec.names.shortNames, ['ro']);
    const columns = definition.spec.versions[0]?.additionalPrinterColumns?.map((column) => `${column.name}=${column.jsonPath}`);
    assert.deepEqual(columns, [
      'Phase=.status.phase',
      'Version=.spec.version',
      'Updated=.status.updated',
      'Total=.status.total',
      'Reason=.status.reason',
      'Age=.metadata.creationTimestamp',
    ]);
  });

  it('fills in the same defaults as the CRD', () => {
    assert.deepEqual(RolloutSpecSchema.parse({ version: '1.5.0' }), {
      version: '1.5.0',
      maxConcurrent: 5,
      healthDeadlineSeconds: 300,
      paused: false,
      rollback: false,
    });
  });

  it('refuses out-of-range bounds, a version that is not SemVer and an empty plan list', () => {
    for (const spec of [
      { version: '1.5.0', maxConcurrent: 0 },
      { version: '1.5.0', maxConcurrent: 101 },
      { version: '1.5.0', healthDeadlineSeconds: 9 },
      { version: '1.5.0', healthDeadlineSeconds: 3601 },
      { version: 'v1.5.0' },
      { version: '1.5.0', selector: { plans: [] } },
      { version: '1.5.0', selector: { plans: ['Gold'] } },
    ]) {
      assert.equal(RolloutSpecSchema.safeParse(spec).success, false, JSON.stringify(spec));
    }
  });
});
