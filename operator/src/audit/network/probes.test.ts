/** Probe and assumption flags as the CLI reads them. */
import assert from 'node:assert/strict';
import { assumptionsFrom, defaultAssumptions } from './assumptions.js';
import { parseProbe } from './probes.js';

describe('probes', () => {
  it('reads numeric and named probes for every protocol', () => {
    assert.deepEqual(parseProbe('tcp/80'), { protocol: 'TCP', port: 80 });
    assert.deepEqual(parseProbe('udp/53'), { protocol: 'UDP', port: 53 });
    assert.deepEqual(parseProbe('SCTP/9000'), { protocol: 'SCTP', port: 9000 });
    assert.deepEqual(parseProbe('tcp/http'), { protocol: 'TCP', port: 'http' });
  });
  for (const bad of ['icmp/1', 'tcp', 'tcp/0', 'tcp/65536', 'tcp/Http', 'tcp/-http', 'tcp/80/1', 'tcp/a-very-long-port-name']) {
    it(`refuses ${bad}, naming it`, () => assert.throws(() => parseProbe(bad), new RegExp(`--probe ${bad}`)));
  }
});

describe('assumptions', () => {
  it('defaults to the worst case for isolation', () => {
    assert.deepEqual(assumptionsFrom([]), {
      ipBlockMatchesPodIPs: true,
      endPortSupported: true,
      hostNetworkPodsBypass: true,
      loopbackPairsListed: false,
    });
  });
  it('sets each named assumption', () => {
    const set = assumptionsFrom(['ipBlockMatchesPodIPs=false', 'endPortSupported=false', 'hostNetworkPodsBypass=false']);
    assert.deepEqual(set, { ...defaultAssumptions, ipBlockMatchesPodIPs: false, endPortSupported: false, hostNetworkPodsBypass: false });
  });
  it('refuses unknown, fixed or malformed assumptions', () => {
    assert.throws(() => assumptionsFrom(['loopbackPairsListed=true']), /unknown assumption/);
    assert.throws(() => assumptionsFrom(['endPortSupported=no']), /expected name=true or name=false/);
  });
});
