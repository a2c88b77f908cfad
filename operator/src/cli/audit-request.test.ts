/** `bulkhead audit`'s flags: --probe measures on the wire, --flow names the analysed flows, the old spellings still mean what they meant. */
import assert from 'node:assert/strict';
import { parseOperatorConfig } from '../api/operator-config.js';
import { wireRequestFor } from '../audit/run.js';
import { requestFrom } from './audit.js';

describe('bulkhead audit flags', () => {
  it('takes --probe as a switch for the probes on the wire, off by default', () => {
    assert.equal(requestFrom([]).wire, false);
    assert.equal(requestFrom(['--probe']).wire, true);
    assert.equal(requestFrom(['--probe', '--probe-concurrency', '8']).concurrency, 8);
    assert.equal(requestFrom(['--probe']).concurrency, undefined, 'without the flag the configuration decides');
  });

  it('probes with the configuration\'s image, settle time and concurrency unless the flag overrides it', () => {
    const config = parseOperatorConfig({ audit: { probes: { image: 'registry.example/probe:2', settleSeconds: 11, concurrency: 3 } } });
    const request = wireRequestFor(config, ['ingress-nginx']);
    assert.equal(request.settings?.image, 'registry.example/probe:2');
    assert.equal(request.settings?.settleSeconds, 11);
    assert.equal(request.concurrency, 3);
    assert.deepEqual(request.platformNamespaces, ['ingress-nginx']);
    assert.equal(wireRequestFor(config, [], 8).concurrency, 8);
  });

  it('refuses --probe with a flow, pointing at --flow', () => {
    assert.throws(() => requestFrom(['--probe', 'tcp/80']), /--probe takes no value.*--flow tcp\/80/);
    assert.deepEqual(requestFrom(['--flow', 'tcp/80']).probes, [{ protocol: 'TCP', port: 80 }]);
  });

  it('skips the access probes with --no-access-probes or its older spelling --no-probes', () => {
    assert.equal(requestFrom(['--no-access-probes']).liveProbes, false);
    assert.equal(requestFrom(['--no-probes']).liveProbes, false);
    assert.equal(requestFrom(['--probe']).liveProbes, true);
  });

  it('refuses a concurrency outside 1-64', () => {
    assert.throws(() => requestFrom(['--probe-concurrency', '0']), /--probe-concurrency 0/);
  });
});
