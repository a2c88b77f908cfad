/**
 * The key that signs audit reports: a PEM file the auditor passes, or the Secret the operator's
 * configuration names (`audit.signingKeySecret`, key `private.pem`; during a rotation also
 * `previous.pem`, the retiring key, which signs the hand-over). Never logged, never in a report (a
 * report carries only the public key and its id).
 */
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { OperatorConfig } from '../api/operator-config.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../runtime/types.js';
import { loadPrivateKey } from './report/index.js';

export class NoSigningKeyError extends Error {}

export async function signingKeyFor(client: KubeClient, config: Pick<OperatorConfig, 'audit'>, file?: string): Promise<KeyObject> {
  if (file) return loadPrivateKey(readFileSync(file), file);
  return (await signingKeysFor(client, config)).current;
}

/** The configured Secret's signing key and, while a rotation is under way, the retiring key. */
export async function signingKeysFor(
  client: KubeClient,
  config: Pick<OperatorConfig, 'audit'>,
): Promise<{ current: KeyObject; retiring?: KeyObject }> {
  const ref = config.audit.signingKeySecret;
  if (!ref) throw new NoSigningKeyError('no signing key: pass --signing-key PEM or set audit.signingKeySecret in the configuration');
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', ...ref });
  const pem = secret?.data?.['private.pem'];
  if (!pem) throw new NoSigningKeyError(`no signing key: Secret ${ref.namespace}/${ref.name} has no key private.pem`);
  const current = loadPrivateKey(Buffer.from(pem, 'base64'), `Secret ${ref.namespace}/${ref.name}`);
  const previous = secret?.data?.['previous.pem'];
  if (!previous) return { current };
  return { current, retiring: loadPrivateKey(Buffer.from(previous, 'base64'), `Secret ${ref.namespace}/${ref.name} key previous.pem`) };
}
