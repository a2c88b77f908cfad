/**
 * `auditKeys`: for every tenant, what its region's KMS (reached as the operator reaches it) says
 * about the tenant's key: state, rotation, tags, alias, policy, whether another tenant refers to
 * the same key, and an encrypt/decrypt probe of the encryption context. Reads only, besides the
 * probe's Encrypt and Decrypt calls, which change nothing.
 */
import { encryptionKeyConfigMapName, keyAlias, namespaceName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import { encryptionContextKey, partitionOf, tenantPrincipal } from '../../providers/kms/index.js';
import { KeyInspector } from '../../providers/kms/key-inspection.js';
import { createLogger, type Logger } from '../../runtime/logging.js';
import type { KubeObject } from '../../runtime/types.js';
import { inputOf, uniqueInputs } from '../guardrails/inputs.js';
import { readNamed } from '../guardrails/named-reads.js';
import { errored, type AuditCheck, type InputObject } from '../model.js';
import { mapBounded } from './bounded.js';
import {
  judgeAlias,
  judgeEncryptionContext,
  judgeExclusive,
  judgeKeyState,
  judgeRotation,
  judgeTags,
  indexKeyFacts,
  type FleetKeys,
  type KeyFacts,
} from './key-checks.js';
import { judgeKeyPolicy, type KeyPrincipals } from './key-policy-checks.js';
import { keyAliasInventory } from './key-inventory.js';
import type { KeyAuditResult } from './model.js';
import { kmsEndpointOf, type RegionSettings } from './regional-access.js';
import { auditPooledKeyTenants, onPoolKey } from './pooled-key-tenants.js';
import { auditedTenant } from './servers.js';
import { errorMessage } from '../../runtime/errors.js';

export interface KeyAuditRequest {
  /** Every Tenant in the cluster: a key any two of them refer to is a finding. */
  tenants: readonly Tenant[];
  config: Pick<OperatorConfig, 'regions' | 'encryption' | 'backups'>;
  /** Tenants inspected at once per region; default 4. */
  concurrency?: number;
  logger?: Logger;
}

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

interface Gathered {
  tenant: Tenant;
  facts?: KeyFacts;
  policy?: string;
  /** Why nothing could be asked of KMS, when that is so. */
  failure?: { reason: string; message: string };
  inputs: InputObject[];
}

const keyCheckIds = ['key.state', 'key.rotation', 'key.tags', 'key.alias', 'key.exclusive', 'key.encryption-context', 'key.policy'];

function unaudited(tenant: Tenant, reason: string, message: string): AuditCheck[] {
  return keyCheckIds.map((id) =>
    errored({
      id,
      category: 'key',
      tenant: tenant.metadata.name,
      title: `Tenant ${tenant.metadata.name}'s key can be audited (${id})`,
      reason,
      message,
      evidence: { region: tenant.spec.region },
    }),
  );
}

async function readConfigMap(client: KubeClient, tenant: Tenant): Promise<ConfigMapObject | undefined> {
  return readNamed<ConfigMapObject>(
    client,
    { apiVersion: 'v1', kind: 'ConfigMap' },
    namespaceName(tenant),
    encryptionKeyConfigMapName(tenant),
  );
}

type KeyMetadata = NonNullable<Awaited<ReturnType<KeyInspector['describe']>>>;

function keyOf(described: KeyMetadata & { KeyId: string }): NonNullable<KeyFacts['key']> {
  const deletion = described.DeletionDate ? { deletionDate: described.DeletionDate.toISOString() } : {};
  return { keyId: described.KeyId, state: described.KeyState ?? 'Unknown', ...deletion };
}

/** What KMS says about the key of one tenant. `other` is a tenant name whose context must not decrypt. */
async function gatherKeyFacts(
  inspector: KeyInspector,
  tenant: Tenant,
  other: string,
  configMapKeyId: string | undefined,
): Promise<{ facts: KeyFacts; policy?: string }> {
  const statusKeyId = tenant.status?.encryption?.keyId;
  const alias = keyAlias(tenant);
  const facts: KeyFacts = {
    tenant: { ...auditedTenant(tenant), rotationRequested: tenant.spec.encryption?.keyRotation ?? true },
    alias,
    statusKeyId,
    configMapKeyId,
    otherContextTenant: other,
    aliasTarget: (await inspector.describe(alias))?.KeyId,
  };
  const described = statusKeyId ? await inspector.describe(statusKeyId) : undefined;
  if (!described?.KeyId) return { facts };
  facts.key = keyOf(described as KeyMetadata & { KeyId: string });
  return { facts, policy: await addKeyDetails(inspector, facts, other) };
}

/** Tags, aliases, rotation and the probe of the described key; returns its policy. */
async function addKeyDetails(inspector: KeyInspector, facts: KeyFacts, other: string): Promise<string | undefined> {
  const key = facts.key as NonNullable<KeyFacts['key']>;
  facts.tags = await inspector.tags(key.keyId);
  facts.aliasesOnKey = await inspector.aliases(key.keyId);
  // KMS reports rotation only for Enabled and Disabled keys.
  if (['Enabled', 'Disabled'].includes(key.state)) facts.rotation = await inspector.rotationEnabled(key.keyId);
  if (key.state === 'Enabled') {
    facts.probe = await inspector.probeEncryptionContext(
      key.keyId,
      { [encryptionContextKey]: facts.tenant.name },
      { [encryptionContextKey]: other },
    );
  }
  return inspector.policy(key.keyId);
}

async function gather(client: KubeClient, inspector: KeyInspector, tenant: Tenant, other: string): Promise<Gathered> {
  try {
    const configMap = await readConfigMap(client, tenant);
    const inputs = configMap ? [inputOf({ ...configMap, apiVersion: 'v1', kind: 'ConfigMap' })] : [];
    const { facts, policy } = await gatherKeyFacts(inspector, tenant, other, configMap?.data?.KMS_KEY_ID);
    return { tenant, facts, policy, inputs };
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? 'KeyAuditFailed';
    return { tenant, failure: { reason, message: errorMessage(error) }, inputs: [] };
  }
}

/** The key.policy check, or why it could not be made. */
function policyCheck(gathered: Gathered, principal: KeyPrincipals | Error): AuditCheck {
  const name = gathered.tenant.metadata.name;
  const base = { id: 'key.policy', category: 'key' as const, tenant: name, title: `Tenant ${name}'s key policy`, evidence: null };
  if (principal instanceof Error) return errored({ ...base, reason: 'KeySpecInvalid', message: principal.message });
  if (!gathered.facts?.key) return errored({ ...base, reason: 'KeyMissing', message: 'there is no key whose policy to read' });
  return judgeKeyPolicy(name, principal, gathered.policy);
}

function judge(gathered: Gathered, everyone: FleetKeys, principal: KeyPrincipals | Error): AuditCheck[] {
  const { facts, tenant } = gathered;
  if (!facts)
    return unaudited(tenant, gathered.failure?.reason ?? 'KeyProviderUnavailable', gathered.failure?.message ?? 'KMS could not be asked');
  return [
    judgeKeyState(facts),
    judgeRotation(facts),
    judgeTags(facts),
    judgeAlias(facts),
    judgeExclusive(facts, everyone),
    judgeEncryptionContext(facts),
    policyCheck(gathered, principal),
  ];
}

function principalOf(config: KeyAuditRequest['config'], tenant: Tenant, settings: RegionSettings): KeyPrincipals | Error {
  const variables = { tenant: tenant.metadata.name, accountId: settings.kms.accountId, partition: partitionOf(tenant.spec.region) };
  try {
    return {
      tenant: tenantPrincipal(config.encryption.principalTemplate, variables),
      ...(config.backups ? { backup: tenantPrincipal(config.backups.operatorPrincipalTemplate, variables) } : {}),
    };
  } catch (error) {
    return error as Error;
  }
}

interface RegionContext {
  client: KubeClient;
  request: KeyAuditRequest;
  logger: Logger;
}

async function gatherRegion(
  { client, request, logger }: RegionContext,
  region: string,
  tenants: Tenant[],
): Promise<{ gathered: Gathered[]; inputs: InputObject[] }> {
  const settings = request.config.regions[region] as RegionSettings;
  const names = request.tenants.map((tenant) => tenant.metadata.name).sort();
  const otherThan = (name: string): string => names.find((candidate) => candidate !== name) ?? `not-${name}`;
  let access;
  try {
    access = await kmsEndpointOf(client, region, settings);
  } catch (error) {
    const failure = { reason: 'KmsCredentialsUnavailable', message: errorMessage(error) };
    return { gathered: tenants.map((tenant) => ({ tenant, failure, inputs: [] })), inputs: [] };
  }
  const inspector = new KeyInspector(access.endpoint, { logger });
  try {
    const gathered = await mapBounded(tenants, request.concurrency ?? 4, (tenant) =>
      gather(client, inspector, tenant, otherThan(tenant.metadata.name)),
    );
    return { gathered, inputs: access.inputs };
  } finally {
    inspector.close();
  }
}

/**
 * The tenants by region, in name order, pooled-key tenants apart (they have no key of their own:
 * key.pool-* judges them, decision 0049); a tenant whose region has no KMS gets its error checks.
 */
function tenantsByRegion(
  request: KeyAuditRequest,
  checks: AuditCheck[],
): { byRegion: Map<string, Tenant[]>; pooledByRegion: Map<string, Tenant[]> } {
  const byRegion = new Map<string, Tenant[]>();
  const pooledByRegion = new Map<string, Tenant[]>();
  for (const tenant of [...request.tenants].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    if (!request.config.regions[tenant.spec.region]) {
      checks.push(...unaudited(tenant, 'RegionNotConfigured', `region ${tenant.spec.region} has no KMS in the operator's configuration`));
      continue;
    }
    const regional = onPoolKey(tenant) ? pooledByRegion : byRegion;
    // Pushed, not copied: a copy of the region's list per tenant was tenants² (decision 0060).
    const inRegion = regional.get(tenant.spec.region) ?? [];
    if (inRegion.length === 0) regional.set(tenant.spec.region, inRegion);
    inRegion.push(tenant);
  }
  return { byRegion, pooledByRegion };
}

/** Seven key checks per dedicated-key tenant and three per pooled-key tenant, in region order, the objects read, and the key aliases for the inventory. */
export async function auditKeys(client: KubeClient, request: KeyAuditRequest): Promise<KeyAuditResult> {
  const logger = request.logger ?? createLogger({ silent: true });
  const checks: AuditCheck[] = [];
  const gathered: Gathered[] = [];
  const inputs: InputObject[] = [];
  const { byRegion, pooledByRegion } = tenantsByRegion(request, checks);
  for (const [region, tenants] of pooledByRegion) {
    const part = await auditPooledKeyTenants({ client, config: request.config, logger }, region, tenants);
    checks.push(...part.checks);
    inputs.push(...part.inputs);
  }
  for (const [region, tenants] of byRegion) {
    const part = await gatherRegion({ client, request, logger }, region, tenants);
    gathered.push(...part.gathered);
    inputs.push(...part.inputs, ...part.gathered.flatMap((entry) => entry.inputs));
  }
  // Indexed once, after every region's facts are in: key.exclusive looks across regions.
  const everyone = indexKeyFacts(gathered.flatMap((entry) => (entry.facts ? [entry.facts] : [])));
  for (const entry of gathered) {
    const settings = request.config.regions[entry.tenant.spec.region] as RegionSettings;
    checks.push(...judge(entry, everyone, principalOf(request.config, entry.tenant, settings)));
  }
  const aliases = await keyAliasInventory(client, request.config, logger);
  // A pooled-key tenant's grant on its pool key stands in for a key alias of its own in the inventory.
  const granted = checks.filter((check) => check.id === 'key.pool-grants' && check.result === 'pass').map((check) => check.tenant ?? '');
  return { checks, inputs: uniqueInputs(inputs), inventory: { keyAliases: aliases === null ? null : [...aliases, ...granted] } };
}
