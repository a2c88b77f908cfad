/** Declared egress bounded away from the cluster and the platform. */
import assert from 'node:assert/strict';
import { boundEgress, excludedRanges } from './egress.js';

const ranges = { pods: ['10.244.0.0/16'], services: ['10.96.0.0/12'], nodes: ['192.168.1.10/32'], platform: ['172.20.0.0/16'] };
const excluded = excludedRanges(ranges, [
  { address: '10.9.0.5', what: 'database server of eu-central-1' },
  { address: 'fd00::5', what: 'KMS endpoint' },
]);

describe('declared egress bounds', () => {
  it('excludes the cluster, the platform, metadata and link-local, and the given servers', () => {
    assert.deepEqual(
      excluded.map((range) => range.cidr),
      [
        '10.244.0.0/16',
        '10.96.0.0/12',
        '192.168.1.10/32',
        '172.20.0.0/16',
        '169.254.0.0/16',
        'fe80::/10',
        'fd00:ec2::254/128',
        '10.9.0.5/32',
        'fd00::5/128',
      ],
    );
  });

  it('turns 0.0.0.0/0 into the internet: every IPv4 range inside it is an except, IPv6 ones are not', () => {
    const { allowed, refused } = boundEgress(['0.0.0.0/0'], excluded);
    assert.deepEqual(refused, []);
    assert.deepEqual(allowed, [
      { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12', '192.168.1.10/32', '172.20.0.0/16', '169.254.0.0/16', '10.9.0.5/32'] },
    ]);
  });

  it('excepts only the ranges inside a narrower CIDR', () => {
    const { allowed } = boundEgress(['10.0.0.0/8', '203.0.113.0/24'], excluded);
    assert.deepEqual(allowed, [
      { cidr: '10.0.0.0/8', except: ['10.244.0.0/16', '10.96.0.0/12', '10.9.0.5/32'] },
      { cidr: '203.0.113.0/24', except: [] },
    ]);
  });

  it('refuses a CIDR wholly inside an excluded range, naming the range', () => {
    const { allowed, refused } = boundEgress(['10.244.3.0/24', '169.254.169.254/32', '10.9.0.5/32'], excluded);
    assert.deepEqual(allowed, []);
    assert.deepEqual(
      refused.map(({ cidr, inside }) => `${cidr} in ${inside.cidr} (${inside.what})`),
      [
        '10.244.3.0/24 in 10.244.0.0/16 (pod network)',
        '169.254.169.254/32 in 169.254.0.0/16 (link-local and cloud metadata)',
        '10.9.0.5/32 in 10.9.0.5/32 (database server of eu-central-1)',
      ],
    );
  });

  it('bounds IPv6 the same way and writes every except with its host bits cleared', () => {
    const { allowed } = boundEgress(['::/0'], excludedRanges({ ...ranges, platform: ['fd00:ec2::1:0/112'] }, []));
    assert.deepEqual(allowed[0]?.except, ['fd00:ec2::1:0/112', 'fe80::/10', 'fd00:ec2::254/128']);
  });
});
