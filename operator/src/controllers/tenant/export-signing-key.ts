/**
 * The key that signs a deleted tenant's export manifest: the operator's audit signing key
 * (`audit.signingKeySecret`, key `private.pem`, Ed25519), so the customer verifies the export with
 * the same public key that verifies the audit's reports (docs/decisions/0040). Never logged.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../runtime/types.js';

export async function exportSigningKey(client: KubeClient, config: Pick<OperatorConfig, 'audit'>): Promise<KeyObject> {
  const ref = config.audit.signingKeySecret;
  if (!ref) throw new Error('no key to sign the export manifest: set audit.signingKeySecret in the operator configuration');
  const where = `Secret ${ref.namespace}/${ref.name}`;
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', ...ref });
  const pem = secret?.data?.['private.pem'];
  if (!pem) throw new Error(`no key to sign the export manifest: ${where} has no key private.pem`);
  let key: KeyObject;
  try {
    key = createPrivateKey(Buffer.from(pem, 'base64'));
  } catch (error) {
    throw new Error(`${where} key private.pem is not a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${where} key private.pem must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  return key;
}
