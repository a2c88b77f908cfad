/**
 * Read-only looks at a region's pool key for the audit, and its one probe: Decrypt the tenant's
 * real wrapped data key under its own context, under none and under another tenant's. The
 * plaintext is only measured (32 bytes) and zeroed, never kept or logged. Nothing is created,
 * changed or deleted.
 */
import { DecryptCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { KeyProviderError } from '../errors.js';
import type { DecryptAttempt } from '../key-inspection.js';
import { describeAliasTarget, keyIdOf } from '../key-lookup.js';
import { KmsSession } from '../kms-session.js';
import type { KmsEndpoint, KmsProviderOptions } from '../types.js';
import type { WrappedDataKey } from './data-keys.js';
import { listPoolGrants, type PoolGrant } from './grants.js';
import { poolKeyAlias } from './names.js';

export interface DataKeyProbe {
  sameContext: DecryptAttempt;
  withoutContext: DecryptAttempt;
  /** Undefined when there was no other tenant to try. */
  otherContext?: DecryptAttempt;
}

export interface PoolKeyView {
  keyId: string;
  policy: string | undefined;
  grants: PoolGrant[];
}

const dataKeyBytes = 32;

export class PoolKeyInspector {
  private readonly session: KmsSession;

  constructor(endpoint: KmsEndpoint, options: KmsProviderOptions) {
    this.session = KmsSession.open(endpoint, options);
  }

  /** The region's pool key, its policy and its grants; undefined when the region has none. */
  async poolKey(region: string): Promise<PoolKeyView | undefined> {
    const key = await describeAliasTarget(this.session, poolKeyAlias(region));
    if (key === undefined) return undefined;
    const keyId = keyIdOf(key);
    const policy = await this.session.call(`reading the policy of key ${keyId}`, (kms, options) =>
      kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), options),
    );
    return { keyId, policy: policy.Policy, grants: await listPoolGrants(this.session, keyId) };
  }

  async probeDataKey(dataKey: WrappedDataKey, otherContext: Record<string, string> | undefined): Promise<DataKeyProbe> {
    return {
      sameContext: await this.decrypt(dataKey, dataKey.context),
      withoutContext: await this.decrypt(dataKey, undefined),
      ...(otherContext ? { otherContext: await this.decrypt(dataKey, otherContext) } : {}),
    };
  }

  close(): void {
    this.session.close();
  }

  private async decrypt(dataKey: WrappedDataKey, context: Record<string, string> | undefined): Promise<DecryptAttempt> {
    try {
      const response = await this.session.call(`probing a data key under ${dataKey.wrappingKeyArn}`, (kms, options) =>
        kms.send(
          new DecryptCommand({
            KeyId: dataKey.wrappingKeyArn,
            CiphertextBlob: Buffer.from(dataKey.ciphertext, 'base64'),
            ...(context ? { EncryptionContext: context } : {}),
          }),
          options,
        ),
      );
      const length = response.Plaintext?.length ?? 0;
      response.Plaintext?.fill(0);
      return length === dataKeyBytes ? { outcome: 'decrypted' } : { outcome: 'refused', error: 'WrongPlaintext' };
    } catch (error) {
      if (error instanceof KeyProviderError && error.reason === 'KeyRequestRefused')
        return { outcome: 'refused', error: error.kmsError ?? 'Refused' };
      throw error;
    }
  }
}
