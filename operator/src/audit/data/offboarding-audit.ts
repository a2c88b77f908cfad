/**
 * `auditOffboarding`: every tenant deleted with deletionPolicy Export, as the offboarding records
 * in the backups' object store list them (they outlive the Tenant; docs/decisions/0040), judged by
 * offboarding-checks.ts. Reads the store and KMS (DescribeKey) only. A tenant still in the cluster
 * under that UID is being deleted and is skipped; its own checks cover it.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import {
  ObjectStore,
  offboardingRecordKeys,
  parseOffboardingRecord,
  sha256Hex,
  verifyExportManifest,
  type OffboardingRecord,
} from '../../providers/backup/index.js';
import { KeyInspector } from '../../providers/kms/key-inspection.js';
import { errorMessage } from '../../runtime/errors.js';
import { createLogger, type Logger } from '../../runtime/logging.js';
import type { AuditCheck, InputObject } from '../model.js';
import { signingKeysFor } from '../signing-key.js';
import { judgeKeyShredded, judgeOffboardingExport, type OffboardingFacts } from './offboarding-checks.js';
import { kmsEndpointOf, readSecretValues } from './regional-access.js';

export interface OffboardingAuditRequest {
  tenants: readonly Tenant[];
  config: Pick<OperatorConfig, 'regions' | 'backups' | 'audit'>;
  logger?: Logger;
}

type Trusted = { keys: KeyObject[] } | { problem: string };

async function storeOf(
  client: KubeClient,
  backups: NonNullable<OperatorConfig['backups']>,
): Promise<{ store: ObjectStore; inputs: InputObject[] }> {
  if (!backups.credentialsSecret) return { store: new ObjectStore(backups), inputs: [] };
  const { values, input } = await readSecretValues(client, backups.credentialsSecret, ['accessKeyId', 'secretAccessKey']);
  const credentials = { accessKeyId: values.accessKeyId ?? '', secretAccessKey: values.secretAccessKey ?? '' };
  return { store: new ObjectStore({ ...backups, credentials }), inputs: [input] };
}

/** The public keys an export manifest may be signed by: the operator's signing key, and the retiring one during a rotation. */
async function trustedKeys(client: KubeClient, config: Pick<OperatorConfig, 'audit'>): Promise<Trusted> {
  try {
    const { current, retiring } = await signingKeysFor(client, config);
    return { keys: [current, ...(retiring ? [retiring] : [])].map((key) => createPublicKey(key)) };
  } catch (error) {
    return { problem: `the operator's signing key could not be read, so the signature was not checked: ${errorMessage(error)}` };
  }
}

function verifyWithAny(text: string, trusted: Trusted): OffboardingFacts['verification'] {
  if ('problem' in trusted) return { problem: trusted.problem, unchecked: true };
  let problem = 'no trusted key';
  for (const key of trusted.keys) {
    try {
      return { manifest: verifyExportManifest(text, key) };
    } catch (error) {
      problem = errorMessage(error);
    }
  }
  return { problem };
}

async function keyFacts(client: KubeClient, config: OffboardingAuditRequest['config'], record: OffboardingRecord, logger: Logger) {
  const settings = config.regions[record.region];
  if (!record.keyDeletion) return undefined;
  if (!settings) return { problem: `region ${record.region} is not in the operator's configuration` };
  const inspector = new KeyInspector((await kmsEndpointOf(client, record.region, settings)).endpoint, { logger });
  try {
    const key = await inspector.describe(record.keyDeletion.keyId);
    if (key === undefined) return { state: 'Deleted' };
    return { state: key.KeyState ?? 'Unknown', ...(key.DeletionDate ? { deletionDate: key.DeletionDate.toISOString() } : {}) };
  } catch (error) {
    return { problem: `KMS could not be asked about key ${record.keyDeletion.keyId}: ${errorMessage(error)}` };
  } finally {
    inspector.close();
  }
}

async function factsOf(store: ObjectStore, recordKey: string, trusted: Trusted): Promise<OffboardingFacts> {
  const record = parseOffboardingRecord(Buffer.from((await store.getBytes(recordKey)) ?? []).toString('utf8'), recordKey);
  const facts: OffboardingFacts = { record, recordKey };
  if (!record.export) return facts;
  const bytes = await store.getBytes(record.export.manifestKey);
  if (bytes === undefined) return facts;
  return { ...facts, manifestSha256: sha256Hex(bytes), verification: verifyWithAny(Buffer.from(bytes).toString('utf8'), trusted) };
}

export async function auditOffboarding(
  client: KubeClient,
  request: OffboardingAuditRequest,
): Promise<{ checks: AuditCheck[]; inputs: InputObject[] }> {
  const { config } = request;
  const logger = request.logger ?? createLogger({ silent: true });
  if (config.backups === undefined) return { checks: [], inputs: [] };
  const { store, inputs } = await storeOf(client, config.backups);
  try {
    const live = new Set(request.tenants.map((tenant) => tenant.metadata.uid));
    const trusted = await trustedKeys(client, config);
    const checks: AuditCheck[] = [];
    for (const recordKey of await offboardingRecordKeys(store, `${config.backups.prefix}exports/`)) {
      const facts = await factsOf(store, recordKey, trusted);
      if (live.has(facts.record.tenantUid)) continue;
      const key = await keyFacts(client, config, facts.record, logger);
      const judged = { ...facts, ...(key ? { key } : {}) };
      checks.push(judgeOffboardingExport(judged), judgeKeyShredded(judged));
    }
    return { checks, inputs };
  } finally {
    store.close();
  }
}
