/**
 * The pool key of a region: one symmetric KMS key that wraps every pooled tenant's data key,
 * behind `alias/bulkhead/pool/<region>`, tagged, rotating yearly, under the policy of policy.ts.
 * Created on the first pooled tenant of the region. CreateKey is not idempotent, so a key a
 * crashed call created but never aliased is found by its tag and adopted, not duplicated.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  PutKeyPolicyCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { managedByLabel, managedByValue } from '../../../api/labels.js';
import { crashPoint } from '../../../runtime/crash-points.js';
import type { Logger } from '../../../runtime/logging.js';
import { KeyRequestRefused } from '../errors.js';
import { samePolicy } from '../key-policy.js';
import { describeAliasTarget, findLiveKeyTagged, isLiveKeyTagged, keyIdOf } from '../key-lookup.js';
import type { KmsSession } from '../kms-session.js';
import { poolKeyAlias, poolKeyTagKey } from './names.js';
import { buildPoolKeyPolicy, type PoolKeyPolicyInputs } from './policy.js';

export const poolKeyCrashPoints = {
  afterCreatePoolKey: 'kms.after-create-pool-key',
  afterCreatePoolAlias: 'kms.after-create-pool-alias',
} as const;

export interface PoolKey {
  keyId: string;
  arn: string;
  alias: string;
  /** True when this call created the key. */
  created: boolean;
  /** Drift put back, in words ("key rotation", "key policy"). */
  repaired: string[];
}

interface PoolKeyRequest {
  session: KmsSession;
  logger: Logger;
  rootArn: string;
  inputs: PoolKeyPolicyInputs;
}

export async function ensurePoolKey(request: PoolKeyRequest): Promise<PoolKey> {
  const { session, inputs } = request;
  const alias = poolKeyAlias(inputs.region);
  const aliased = await describeAliasTarget(session, alias);
  if (aliased !== undefined && (await isLiveKeyTagged(session, aliased, poolKeyTagKey, inputs.region))) {
    return { ...identity(aliased, alias), created: false, repaired: await repairPoolKey(request, aliased) };
  }
  if (aliased !== undefined) {
    // Someone else's key behind the pool's alias: refused, never adopted (it may be readable by anyone).
    throw new KeyRequestRefused(
      `alias ${alias} leads to key ${aliased.KeyId ?? '?'}, which is not tagged ${poolKeyTagKey}=${inputs.region}; remove or move that alias`,
    );
  }
  const orphan = await findLiveKeyTagged(session, poolKeyTagKey, inputs.region);
  const key = orphan ?? (await createPoolKey(request));
  await session.call(`creating alias ${alias}`, (kms, options) =>
    kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyIdOf(key) }), options),
  );
  crashPoint(poolKeyCrashPoints.afterCreatePoolAlias);
  request.logger.info('Created pool key alias', { region: inputs.region, alias, keyId: key.KeyId });
  const repaired = await repairPoolKey(request, key);
  return { ...identity(key, alias), created: orphan === undefined, repaired: orphan === undefined ? [] : ['alias', ...repaired] };
}

function identity(key: KeyMetadata, alias: string): { keyId: string; arn: string; alias: string } {
  return { keyId: keyIdOf(key), arn: key.Arn ?? '', alias };
}

async function createPoolKey({ session, logger, rootArn, inputs }: PoolKeyRequest): Promise<KeyMetadata> {
  const response = await session.call(`creating the pool key of ${inputs.region}`, (kms, options) =>
    kms.send(
      new CreateKeyCommand({
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Description: `Bulkhead: pool key of ${inputs.region}, wrapping each pooled tenant's data key under its own context`,
        Policy: buildPoolKeyPolicy(inputs, rootArn),
        Tags: [
          { TagKey: poolKeyTagKey, TagValue: inputs.region },
          { TagKey: managedByLabel, TagValue: managedByValue },
        ],
      }),
      options,
    ),
  );
  crashPoint(poolKeyCrashPoints.afterCreatePoolKey);
  if (response.KeyMetadata === undefined) throw new KeyRequestRefused(`creating the pool key of ${inputs.region}: KMS returned no key`);
  logger.info('Created pool key', { region: inputs.region, keyId: response.KeyMetadata.KeyId });
  return response.KeyMetadata;
}

/** Rotation on and the policy as policy.ts says; reads only when nothing drifted. */
async function repairPoolKey({ session, rootArn, inputs }: PoolKeyRequest, key: KeyMetadata): Promise<string[]> {
  const keyId = keyIdOf(key);
  const repaired: string[] = [];
  const rotation = await session.call(`reading the rotation of key ${keyId}`, (kms, options) =>
    kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }), options),
  );
  if (rotation.KeyRotationEnabled !== true) {
    await session.call(`turning rotation on for key ${keyId}`, (kms, options) =>
      kms.send(new EnableKeyRotationCommand({ KeyId: keyId }), options),
    );
    repaired.push('key rotation');
  }
  const desired = buildPoolKeyPolicy(inputs, rootArn);
  const actual = await session.call(`reading the policy of key ${keyId}`, (kms, options) =>
    kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), options),
  );
  if (!samePolicy(actual.Policy, desired)) {
    await session.call(`restoring the policy of key ${keyId}`, (kms, options) =>
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: desired }), options),
    );
    repaired.push('key policy');
  }
  return repaired;
}
