import assert from 'node:assert/strict';
import {
  dnsServiceIP,
  externalHosts,
  hostAddress,
  kubernetesServiceIP,
  nodeAddress,
  nodePodCIDR,
  platformAddress,
  podCIDR,
  podGateway,
  routerAddress,
  serviceCIDR,
  testRange,
  unusedAddress,
  vpcCIDR,
} from './addresses.js';

const toNumber = (address: string): number => address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

function rangeOf(cidr: string): [number, number] {
  const [address = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = toNumber(address) - (toNumber(address) % size);
  return [start, start + size - 1];
}

const inside = (address: string, cidr: string): boolean => {
  const [start, end] = rangeOf(cidr);
  return toNumber(address) >= start && toNumber(address) <= end;
};

const overlap = (a: string, b: string): boolean => {
  const [aStart, aEnd] = rangeOf(a);
  const [bStart, bEnd] = rangeOf(b);
  return aStart <= bEnd && bStart <= aEnd;
};

describe('the address plan of the local environment', function () {
  const ranges = { vpcCIDR, podCIDR, serviceCIDR, ...Object.fromEntries(externalHosts.map((h) => [h.name, h.cidr])) };

  it('keeps every address and range inside 198.18.0.0/15, reserved for network testing', function () {
    assert.equal(testRange, '198.18.0.0/15');
    const addresses = [
      hostAddress,
      nodeAddress,
      platformAddress,
      routerAddress,
      podGateway,
      kubernetesServiceIP,
      dnsServiceIP,
      unusedAddress,
      ...externalHosts.flatMap((h) => [h.address, h.gateway]),
    ];
    for (const address of addresses) assert.ok(inside(address, testRange), `${address} is outside ${testRange}`);
    for (const cidr of Object.values(ranges))
      assert.ok(inside(cidr.split('/')[0] ?? '', testRange) && rangeOf(cidr)[1] <= rangeOf(testRange)[1]);
  });

  it('gives the VPC, pods, Services and each external host ranges that do not overlap', function () {
    const entries = Object.entries(ranges);
    for (const [i, [nameA, a]] of entries.entries()) {
      for (const [nameB, b] of entries.slice(i + 1)) assert.ok(!overlap(a, b), `${nameA} ${a} overlaps ${nameB} ${b}`);
    }
  });

  it('puts each address in the range it belongs to, and the unused address in none', function () {
    for (const address of [hostAddress, nodeAddress, platformAddress, routerAddress]) assert.ok(inside(address, vpcCIDR));
    assert.ok(inside(podGateway, nodePodCIDR) && overlap(nodePodCIDR, podCIDR));
    assert.ok(inside(kubernetesServiceIP, serviceCIDR) && inside(dnsServiceIP, serviceCIDR));
    for (const host of externalHosts) assert.ok(inside(host.address, host.cidr) && inside(host.gateway, host.cidr));
    for (const cidr of Object.values(ranges)) assert.ok(!inside(unusedAddress, cidr), `${unusedAddress} is inside ${cidr}`);
  });
});
