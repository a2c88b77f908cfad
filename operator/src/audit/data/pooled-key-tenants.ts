/**
 * The audit run's pooled-key tenants (decision 0049): a tenant whose status records its region's
 * pool key has no key of its own, so it is judged by key.pool-* (pool-key-audit.ts), per region,
 * with its wrapped data key read from its encryption-key ConfigMap as its app reads it, instead of
 * by key.exclusive, key.alias and the other checks of a dedicated key.
 */
import { encryptionKeyConfigMapName, namespaceName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import { accountRootArn, partitionOf, tenantPrincipal } from '../../providers/kms/index.js';
import { PoolKeyInspector, poolKeyAlias, type WrappedDataKey } from '../../providers/kms/pool/index.js';
import { errorMessage } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logging.js';
import type { KubeObject } from '../../runtime/types.js';
import { inputOf } from '../guardrails/inputs.js';
import { readNamed } from '../guardrails/named-reads.js';
import { errored, type AuditCheck, type InputObject } from '../model.js';
import { auditPoolKey, type PooledKeyTenantInput } from './pool-key-audit.js';
import { kmsEndpointOf, type RegionSettings } from './regional-access.js';

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

const poolCheckIds = ['key.pool-grants', 'key.pool-policy', 'key.pool-encryption-context'];

/** Whether the tenant's status records its region's pool key. */
export function onPoolKey(tenant: Tenant): boolean {
  return tenant.status?.encryption?.alias === poolKeyAlias(tenant.spec.region);
}

function dataKeyOf(configMap: ConfigMapObject | undefined): WrappedDataKey | undefined {
  const data = configMap?.data ?? {};
  if (!data.KMS_DATA_KEY || !data.KMS_DATA_KEY_CONTEXT || !data.KMS_KEY_ARN) return undefined;
  return {
    wrappingKeyArn: data.KMS_KEY_ARN,
    ciphertext: data.KMS_DATA_KEY,
    context: JSON.parse(data.KMS_DATA_KEY_CONTEXT) as Record<string, string>,
  };
}

function unaudited(tenants: readonly Tenant[], reason: string, message: string): AuditCheck[] {
  return tenants.flatMap((tenant) =>
    poolCheckIds.map((id) =>
      errored({
        id,
        category: 'key',
        tenant: tenant.metadata.name,
        title: `Tenant ${tenant.metadata.name}'s pool key can be audited (${id})`,
        reason,
        message,
        evidence: { region: tenant.spec.region },
      }),
    ),
  );
}

interface PooledRegion {
  client: KubeClient;
  config: Pick<OperatorConfig, 'regions' | 'encryption'>;
  logger: Logger;
}

/** The key.pool-* checks of one region's pooled-key tenants, and the objects read. */
export async function auditPooledKeyTenants(
  { client, config, logger }: PooledRegion,
  region: string,
  tenants: readonly Tenant[],
): Promise<{ checks: AuditCheck[]; inputs: InputObject[] }> {
  const settings = config.regions[region] as RegionSettings;
  const partition = partitionOf(region);
  let access, operatorPrincipal;
  try {
    access = await kmsEndpointOf(client, region, settings);
    operatorPrincipal = tenantPrincipal(config.encryption.operatorPrincipalTemplate, {
      tenant: '',
      accountId: settings.kms.accountId,
      partition,
    });
  } catch (error) {
    return { checks: unaudited(tenants, 'PoolKeyAuditFailed', errorMessage(error)), inputs: [] };
  }
  const inputs: InputObject[] = [...access.inputs];
  const pooled: PooledKeyTenantInput[] = [];
  for (const tenant of tenants) {
    const configMap = await readNamed<ConfigMapObject>(
      client,
      { apiVersion: 'v1', kind: 'ConfigMap' },
      namespaceName(tenant),
      encryptionKeyConfigMapName(tenant),
    );
    if (configMap) inputs.push(inputOf({ ...configMap, apiVersion: 'v1', kind: 'ConfigMap' }));
    const variables = { tenant: tenant.metadata.name, accountId: settings.kms.accountId, partition };
    const principal = tenantPrincipal(config.encryption.principalTemplate, variables);
    pooled.push({ tenant: { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '', principal }, dataKey: dataKeyOf(configMap) });
  }
  const inspector = new PoolKeyInspector(access.endpoint, { logger });
  try {
    const rootArn = accountRootArn(settings.kms.accountId, partition);
    return { checks: await auditPoolKey(inspector, { region, operatorPrincipal, rootArn, tenants: pooled }), inputs };
  } catch (error) {
    return { checks: unaudited(tenants, 'PoolKeyAuditFailed', errorMessage(error)), inputs };
  } finally {
    inspector.close();
  }
}
