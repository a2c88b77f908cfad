import assert from 'node:assert/strict';
import { excludedRanges } from '../../resources/egress.js';
import type { NetworkPolicy, PolicyRule } from '../network/index.js';
import { egressBoundsCheck } from './egress-bounds.js';
import type { FleetRanges, TenantNetworkView } from './model.js';

const clusterCIDRs = { pods: ['10.244.0.0/16'], services: ['10.96.0.0/12'], nodes: ['192.168.1.0/24'] };
const servers = [
  { address: '10.9.0.5', what: 'database server of eu-central-1' },
  { address: '10.9.0.6', what: 'KMS endpoint of eu-central-1' },
];
const ranges: FleetRanges = { ...clusterCIDRs, excluded: excludedRanges({ ...clusterCIDRs, platform: ['172.16.0.0/12'] }, servers) };
const acme: TenantNetworkView = {
  name: 'acme',
  namespace: 'tenant-acme',
  allowEgressCIDRs: [],
  database: { address: '10.9.0.5', port: 5432 },
  kms: { address: '10.9.0.6', port: 443 },
  ingressPorts: [],
};
const egress = (name: string, ...rules: PolicyRule[]): NetworkPolicy => ({
  namespace: 'tenant-acme',
  name,
  podSelector: {},
  policyTypes: ['Egress'],
  egress: rules,
});
const block = (cidr: string, except: string[] = []): PolicyRule['peers'] => [{ ipBlock: { cidr, except } }];

describe('egress bounds', () => {
  it("pass the tenant's own database and KMS endpoint, each on its one TCP port, and a CIDR outside every range", () => {
    const check = egressBoundsCheck(
      acme,
      [
        egress('allow-database', { peers: block('10.9.0.5/32'), ports: [{ protocol: 'TCP', port: 5432 }] }),
        egress('allow-kms', { peers: block('10.9.0.6/32'), ports: [{ port: 443 }] }),
        egress('allow-declared-egress', { peers: block('203.0.113.0/24') }),
      ],
      ranges,
    );
    assert.equal(check.result, 'pass', check.message);
  });

  it('pass 0.0.0.0/0 only when every range is excepted, together if not one by one', () => {
    const except = ['10.0.0.0/8', '172.16.0.0/12', '192.168.1.0/25', '192.168.1.128/25', '169.254.0.0/16'];
    assert.equal(egressBoundsCheck(acme, [egress('wide', { peers: block('0.0.0.0/0', except) })], ranges).result, 'pass');
    const short = egressBoundsCheck(acme, [egress('wide', { peers: block('0.0.0.0/0', except.slice(0, 3)) })], ranges);
    assert.equal(short.reason, 'EgressIntoCluster');
    assert.match(short.message, /reaches 192\.168\.1\.0\/24 \(node addresses\)/, 'half a range excepted still reaches it');
    assert.match(JSON.stringify(short.evidence), /169\.254\.0\.0\/16 \(link-local and cloud metadata\)/);
  });

  it('find a database or KMS address allowed on every port, and a rule without peers', () => {
    const check = egressBoundsCheck(
      acme,
      [egress('db-all-ports', { peers: block('10.9.0.5/32') }), egress('anywhere', { ports: [{ port: 443 }] })],
      ranges,
    );
    assert.equal(check.reason, 'EgressIntoCluster');
    const offences = (check.evidence as { offences: { policy: string; reaches: string }[] }).offences;
    assert.ok(
      offences.some((o) => o.policy === 'tenant-acme/db-all-ports' && o.reaches === '10.9.0.5/32 (database server of eu-central-1)'),
    );
    assert.ok(offences.some((o) => o.policy === 'tenant-acme/anywhere' && o.reaches === '10.244.0.0/16 (pod network)'));
  });

  it('ignore ingress-only policies', () => {
    const ingressOnly: NetworkPolicy = {
      namespace: 'tenant-acme',
      name: 'in',
      podSelector: {},
      policyTypes: ['Ingress'],
      egress: [{ peers: block('0.0.0.0/0') }],
    };
    assert.equal(egressBoundsCheck(acme, [ingressOnly], ranges).result, 'pass');
  });
});
