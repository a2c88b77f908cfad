/**
 * Read-only looks at KMS keys for the audit, plus the one cryptographic probe it makes: encrypt a
 * random value under an encryption context, then try to decrypt it with the same, no, and another
 * context. Uses the same session (timeouts, retries, error classification) as the provider, and
 * never creates, changes or deletes anything.
 */
import { randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListResourceTagsCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { KeyProviderError } from './errors.js';
import { KmsSession } from './kms-session.js';
import type { KmsEndpoint, KmsProviderOptions } from './types.js';

/** decrypted: KMS returned the probe's plaintext; refused: KMS said no (the error's name is kept). */
export interface DecryptAttempt {
  outcome: 'decrypted' | 'refused';
  error?: string;
}

export interface ContextProbe {
  /** Undefined when Encrypt itself was refused (the error's name is in `encryptRefused`). */
  sameContext?: DecryptAttempt;
  withoutContext?: DecryptAttempt;
  otherContext?: DecryptAttempt;
  encryptRefused?: string;
}

export class KeyInspector {
  private readonly session: KmsSession;

  constructor(endpoint: KmsEndpoint, options: KmsProviderOptions) {
    this.session = KmsSession.open(endpoint, options);
  }

  /** The key a key ID, ARN or alias leads to; undefined when there is none. */
  async describe(keyIdOrAlias: string): Promise<KeyMetadata | undefined> {
    const found = await this.session.callUnlessNotFound(`describing ${keyIdOrAlias}`, (kms, options) =>
      kms.send(new DescribeKeyCommand({ KeyId: keyIdOrAlias }), options),
    );
    return found?.KeyMetadata;
  }

  async rotationEnabled(keyId: string): Promise<boolean> {
    const status = await this.session.call(`reading the rotation of key ${keyId}`, (kms, options) =>
      kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }), options),
    );
    return status.KeyRotationEnabled === true;
  }

  async tags(keyId: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    do {
      const page = await this.session.call(`listing the tags of key ${keyId}`, (kms, options) =>
        kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker }), options),
      );
      for (const tag of page.Tags ?? []) if (tag.TagKey !== undefined) tags[tag.TagKey] = tag.TagValue ?? '';
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker !== undefined);
    return tags;
  }

  /** The names of every alias that points at the key. */
  async aliases(keyId: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.session.call(`listing the aliases of key ${keyId}`, (kms, options) =>
        kms.send(new ListAliasesCommand({ KeyId: keyId, Marker: marker }), options),
      );
      for (const alias of page.Aliases ?? []) if (alias.AliasName !== undefined) names.push(alias.AliasName);
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker !== undefined);
    return names.sort();
  }

  /** The names of every alias in the region that starts with `prefix`. */
  async aliasesStartingWith(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.session.call('listing the aliases', (kms, options) =>
        kms.send(new ListAliasesCommand({ Marker: marker }), options),
      );
      for (const alias of page.Aliases ?? []) if (alias.AliasName?.startsWith(prefix)) names.push(alias.AliasName);
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker !== undefined);
    return names.sort();
  }

  async policy(keyId: string): Promise<string | undefined> {
    const response = await this.session.call(`reading the policy of key ${keyId}`, (kms, options) =>
      kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), options),
    );
    return response.Policy;
  }

  /**
   * Encrypts 32 random bytes under `context`, then decrypts them with `context`, with no context and
   * with `otherContext`. Only a refusal by KMS counts as refused; unreachable KMS throws.
   */
  async probeEncryptionContext(
    keyId: string,
    context: Record<string, string>,
    otherContext: Record<string, string>,
  ): Promise<ContextProbe> {
    const plaintext = randomBytes(32);
    let ciphertext: Uint8Array | undefined;
    try {
      ciphertext = (
        await this.session.call(`encrypting a probe with key ${keyId}`, (kms, options) =>
          kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }), options),
        )
      ).CiphertextBlob;
    } catch (error) {
      return { encryptRefused: refusal(error) };
    }
    if (ciphertext === undefined) return { encryptRefused: 'NoCiphertext' };
    const blob = ciphertext;
    return {
      sameContext: await this.decrypt(keyId, blob, context, plaintext),
      withoutContext: await this.decrypt(keyId, blob, undefined, plaintext),
      otherContext: await this.decrypt(keyId, blob, otherContext, plaintext),
    };
  }

  private async decrypt(
    keyId: string,
    blob: Uint8Array,
    context: Record<string, string> | undefined,
    expected: Buffer,
  ): Promise<DecryptAttempt> {
    try {
      const response = await this.session.call(`decrypting the probe with key ${keyId}`, (kms, options) =>
        kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: blob, ...(context ? { EncryptionContext: context } : {}) }), options),
      );
      const same = response.Plaintext !== undefined && Buffer.from(response.Plaintext).equals(expected);
      return same ? { outcome: 'decrypted' } : { outcome: 'refused', error: 'WrongPlaintext' };
    } catch (error) {
      return { outcome: 'refused', error: refusal(error) };
    }
  }

  close(): void {
    this.session.close();
  }
}

/** The KMS error name of a refusal; rethrows when KMS could not be asked at all. */
function refusal(error: unknown): string {
  if (error instanceof KeyProviderError && error.reason === 'KeyRequestRefused') return error.kmsError ?? 'Refused';
  throw error;
}
