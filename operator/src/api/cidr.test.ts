/** CIDR checks that must agree with Kubernetes' CEL isCIDR() and cidr().masked(). */
import assert from 'node:assert/strict';
import { cidrProblem } from './cidr.js';

describe('cidrProblem', () => {
  it('accepts canonical IPv4 and IPv6 networks', () => {
    for (const cidr of [
      '10.0.0.0/8',
      '0.0.0.0/0',
      '192.0.2.1/32',
      '2001:db8::/32',
      '::/0',
      '::1/128',
      'fe80::/10',
      '64:ff9b::192.0.2.0/120',
    ]) {
      assert.equal(cidrProblem(cidr), undefined, cidr);
    }
  });

  it('refuses what netip.ParsePrefix refuses', () => {
    const refused = [
      '10.0.0.0', // no prefix length
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/08', // leading zero in the prefix length
      '10.0.0.0/-1',
      '010.0.0.0/8', // leading zero in an octet
      'fe80::1%eth0/64', // zone
      '1::2::3/64',
      'example.com/24',
      '',
    ];
    for (const cidr of refused) {
      assert.equal(cidrProblem(cidr), 'notCidr', cidr);
    }
  });

  it('refuses IPv4-mapped IPv6 addresses, as the Kubernetes CIDR library does', () => {
    assert.equal(cidrProblem('::ffff:192.0.2.0/120'), 'notCidr');
  });

  it('tells apart a CIDR with bits set after the prefix', () => {
    for (const cidr of ['10.0.0.1/8', '192.0.2.1/31', '2001:db8::1/32', '64:ff9b::192.0.2.1/120']) {
      assert.equal(cidrProblem(cidr), 'hostBitsSet', cidr);
    }
  });
});
