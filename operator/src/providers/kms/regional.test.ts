import assert from 'node:assert/strict';
import { createLogger } from '../../runtime/logging.js';
import { KeyRegionNotConfigured } from './errors.js';
import { RegionalKmsProviders } from './regional.js';

describe('regional KMS providers', () => {
  const providers = new RegionalKmsProviders(
    [
      { region: 'eu-central-1', accountId: '123456789012', endpoint: 'http://127.0.0.1:1' },
      { region: 'us-east-1', accountId: '123456789012', endpoint: 'http://127.0.0.1:1' },
    ],
    { logger: createLogger({ silent: true }) },
  );
  after(() => providers.close());

  it('hand out the provider of a configured region', () => {
    assert.equal(providers.forRegion('eu-central-1').region, 'eu-central-1');
  });

  it('refuse a region without an endpoint, naming the ones there are', () => {
    assert.throws(
      () => providers.forRegion('ap-south-1'),
      (error: Error) =>
        error instanceof KeyRegionNotConfigured &&
        error.reason === 'KeyRegionNotConfigured' &&
        error.message.includes('"ap-south-1" (configured: eu-central-1, us-east-1)'),
    );
  });
});
