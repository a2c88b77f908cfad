/**
 * One AwsKmsProvider per configured region. A tenant's key lives in the tenant's region (data
 * residency), so a region without a configured endpoint is an error the tenant's condition shows,
 * never a silent fallback to another region.
 */
import { AwsKmsProvider } from './aws-kms.js';
import { KeyRegionNotConfigured } from './errors.js';
import type { KmsEndpoint, KmsProviderOptions } from './types.js';

export class RegionalKmsProviders {
  private readonly providers = new Map<string, AwsKmsProvider>();

  constructor(endpoints: readonly KmsEndpoint[], options: KmsProviderOptions) {
    for (const endpoint of endpoints) this.providers.set(endpoint.region, new AwsKmsProvider(endpoint, options));
  }

  get regions(): string[] {
    return [...this.providers.keys()].sort();
  }

  /** The provider of `region`; throws KeyRegionNotConfigured when the operator has none for it. */
  forRegion(region: string): AwsKmsProvider {
    const provider = this.providers.get(region);
    if (provider === undefined) {
      const configured = this.regions.length > 0 ? this.regions.join(', ') : 'none';
      throw new KeyRegionNotConfigured(
        `no KMS endpoint is configured for region ${JSON.stringify(region)} (configured: ${configured}); add one to the operator's configuration`,
      );
    }
    return provider;
  }

  close(): void {
    for (const provider of this.providers.values()) provider.close();
  }
}
