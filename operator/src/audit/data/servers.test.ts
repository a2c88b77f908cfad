import assert from 'node:assert/strict';
import type { Tenant } from '../../api/tenant.js';
import { mapBounded } from './bounded.js';
import { serverKey, type RegionSettings } from './regional-access.js';
import { groupByServer } from './servers.js';

const settings = (host: string): RegionSettings => ({
  database: { host, port: 5432, adminSecret: { namespace: 'bulkhead-system', name: `admin-${host}` } },
  kms: { accountId: '123456789012' },
});
const tenant = (name: string, region: string) => ({ metadata: { name, uid: `u-${name}` }, spec: { region } }) as unknown as Tenant;

describe('grouping tenants by database server', () => {
  it('audits a server shared by two regions once, with the tenants of both', () => {
    const { groups, unserved } = groupByServer(
      [tenant('c', 'us-east-1'), tenant('a', 'eu-central-1'), tenant('z', 'ap-south-9'), tenant('b', 'eu-west-1')],
      { 'eu-central-1': settings('shared'), 'us-east-1': settings('shared'), 'eu-west-1': settings('dublin') },
      serverKey,
    );
    assert.deepEqual(
      groups.map((g) => [g.server, g.regions, g.tenants.map((t) => t.name)]),
      [
        ['shared:5432', ['eu-central-1', 'us-east-1'], ['a', 'c']],
        ['dublin:5432', ['eu-west-1'], ['b']],
      ],
    );
    assert.deepEqual(
      unserved.map((t) => t.name),
      ['z'],
    );
  });
});

describe('mapBounded', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });
});
