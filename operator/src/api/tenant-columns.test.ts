/** What `kubectl get tenants` prints: the CRD's printer columns, and which of them only -o wide shows. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

interface PrinterColumn {
  name: string;
  jsonPath: string;
  priority?: number;
}
interface TenantDefinition {
  spec: { versions: { additionalPrinterColumns?: PrinterColumn[] }[] };
}

const definition = parse(
  readFileSync(fileURLToPath(new URL('../../../crds/bulkhead.dev_tenants.yaml', import.meta.url)), 'utf8'),
) as TenantDefinition;
const columns = definition.spec.versions[0]?.additionalPrinterColumns ?? [];
const describeColumns = (priority: number): string[] =>
  columns.filter((column) => (column.priority ?? 0) === priority).map((column) => `${column.name}=${column.jsonPath}`);

describe('Tenant printer columns', () => {
  it('prints readiness, plan, region and age by default', () => {
    assert.deepEqual(describeColumns(0), [
      'Ready=.status.conditions[?(@.type=="Ready")].status',
      'Reason=.status.conditions[?(@.type=="Ready")].reason',
      'Plan=.spec.plan',
      'Region=.spec.region',
      'Age=.metadata.creationTimestamp',
    ]);
  });

  it('adds the namespace, the deployed app version and IsolationVerified with -o wide', () => {
    assert.deepEqual(describeColumns(1), [
      'Namespace=.status.namespace',
      'App version=.status.app.version',
      'IsolationVerified=.status.conditions[?(@.type=="IsolationVerified")].status',
    ]);
  });
});
