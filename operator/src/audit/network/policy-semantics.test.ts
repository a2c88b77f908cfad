/** policyTypes defaulting and the small rules around peers and ports. */
import assert from 'node:assert/strict';
import { defaultAssumptions } from './assumptions.js';
import { cidrContains } from './cidr.js';
import type { NetworkPolicy, Pod } from './model.js';
import { effectivePolicyTypes, peerMatches, portMatches, type RuleContext } from './policy-semantics.js';

const policy = (spec: Partial<NetworkPolicy>): NetworkPolicy => ({ namespace: 'x', name: 'p', podSelector: {}, ...spec });

const remote: Pod = { namespace: 'y', name: 'a', labels: {}, ports: [], podIP: '10.0.0.1', hostNetwork: false };
const context: RuleContext = {
  policyNamespace: 'x',
  remote,
  destination: remote,
  protocol: 'TCP',
  port: 80,
  namespaceLabels: () => ({}),
  assumptions: defaultAssumptions,
};

describe('policyTypes defaulting', () => {
  it('implies Ingress alone when there is no egress section', () => {
    assert.deepEqual(effectivePolicyTypes(policy({})), ['Ingress']);
  });
  it('adds Egress when the egress section has rules', () => {
    assert.deepEqual(effectivePolicyTypes(policy({ egress: [{}] })), ['Ingress', 'Egress']);
  });
  it('does not add Egress for an empty egress list', () => {
    assert.deepEqual(effectivePolicyTypes(policy({ egress: [] })), ['Ingress']);
  });
  it('keeps explicit policyTypes, even Egress alone with ingress rules present', () => {
    assert.deepEqual(effectivePolicyTypes(policy({ policyTypes: ['Egress'], ingress: [{}] })), ['Egress']);
  });
  it('defaults an empty policyTypes list like an absent one', () => {
    assert.deepEqual(effectivePolicyTypes(policy({ policyTypes: [], egress: [{}] })), ['Ingress', 'Egress']);
  });
});

describe('peers and ports', () => {
  it('never matches a pod with a selector-less, ipBlock-less peer', () => {
    assert.equal(peerMatches({}, context), false);
  });
  it('matches an ipBlock of 0.0.0.0/0 by address, and a pod without one unless the pod ranges are excepted', () => {
    const { podIP: _ip, ...withoutIP } = remote;
    const unknown = { ...context, remote: withoutIP };
    assert.equal(peerMatches({ ipBlock: { cidr: '0.0.0.0/0' } }, context), true);
    assert.equal(peerMatches({ ipBlock: { cidr: '0.0.0.0/0' } }, unknown), true, 'with no pod ranges given it may have any address');
    const ranged = { ...unknown, addressRanges: { pods: ['10.244.0.0/16'] } };
    assert.equal(peerMatches({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }, ranged), false);
    assert.equal(peerMatches({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/17'] } }, ranged), true, 'half of the range is left');
    assert.equal(
      peerMatches({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/17', '10.244.128.0/17'] } }, ranged),
      false,
      'two excepts cover it',
    );
    assert.equal(peerMatches({ ipBlock: { cidr: '::/0' } }, ranged), false, 'an IPv6 block admits no IPv4 pod address');
  });
  it('keeps IPv4 and IPv6 blocks apart and ignores host bits in a block', () => {
    assert.equal(cidrContains('::/0', '10.0.0.1'), false);
    assert.equal(cidrContains('fd00::/8', 'fd12::1'), true);
    assert.equal(cidrContains('10.0.0.7/24', '10.0.0.200'), true);
  });
  it('treats a port entry with only a protocol as every port of that protocol', () => {
    assert.equal(portMatches({ protocol: 'TCP' }, { ...context, port: 65535 }), true);
    assert.equal(portMatches({ protocol: 'UDP' }, context), false);
  });
});
