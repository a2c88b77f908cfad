/**
 * The pool key's policy, and the statement a promoted tenant's own key carries while its data key
 * is moved onto it. The pool key's policy is the same for one tenant or fifty thousand: tenants
 * are admitted by grants (grants.ts), not by statements, so it never nears KMS's 32 KB limit.
 *
 * The account root administers the pool key and cannot use it, as on a tenant's key. The operator
 * may create grants only of the one shape tenants get (Decrypt, under an exact encryption
 * context) and may wrap data keys without ever seeing them (GenerateDataKeyWithoutPlaintext), and
 * move them off the pool (ReEncryptFrom), each only under a context that names a tenant and
 * nothing else. It may never Decrypt: no plaintext data key of any pooled tenant reaches it.
 */
import { administrationStatement, encryptionContextKey } from '../key-policy.js';
import { tenantGrantOperations } from './names.js';

export interface PoolKeyPolicyInputs {
  region: string;
  /** The operator's own identity, which grants tenants their use and wraps their data keys. */
  operatorPrincipal: string;
}

const contextNamesATenantOnly = {
  Null: { [`kms:EncryptionContext:${encryptionContextKey}`]: 'false' },
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [encryptionContextKey] },
};

export function buildPoolKeyPolicy(inputs: PoolKeyPolicyInputs, rootArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `bulkhead-pool-${inputs.region}`,
    Statement: [
      administrationStatement(rootArn),
      {
        Sid: 'OperatorGrantsDecryptUnderOneExactContext',
        Effect: 'Allow',
        Principal: { AWS: inputs.operatorPrincipal },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:GrantConstraintType': 'EncryptionContextEquals' },
          'ForAllValues:StringEquals': { 'kms:GrantOperations': [...tenantGrantOperations] },
        },
      },
      {
        Sid: 'OperatorWrapsTenantDataKeysUnseen',
        Effect: 'Allow',
        Principal: { AWS: inputs.operatorPrincipal },
        Action: ['kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom'],
        Resource: '*',
        Condition: contextNamesATenantOnly,
      },
    ],
  });
}

export const reWrapStatementSid = 'OperatorReWrapsPromotedDataKey';

/**
 * The statement a promoted tenant's own key carries while the operator moves its data key there:
 * ReEncryptTo, under the tenant's context and no other key (so never `purpose=backup`, which the
 * operator may Decrypt, decision 0045). The key step's next pass puts the key's usual policy back,
 * and so does the promotion itself once the data key is moved.
 */
export function withReWrapStatement(policy: string, tenant: string, operatorPrincipal: string): string {
  const document = JSON.parse(policy) as { Statement: object[] };
  const statement = {
    Sid: reWrapStatementSid,
    Effect: 'Allow',
    Principal: { AWS: operatorPrincipal },
    Action: 'kms:ReEncryptTo',
    Resource: '*',
    Condition: {
      StringEquals: { [`kms:EncryptionContext:${encryptionContextKey}`]: tenant },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [encryptionContextKey] },
    },
  };
  return JSON.stringify({ ...document, Statement: [...document.Statement, statement] });
}
