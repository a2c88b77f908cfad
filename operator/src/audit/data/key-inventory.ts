/**
 * The key-alias source of the report's inventory: every `alias/bulkhead/<tenant>` alias in every
 * configured region, as the tenant it is named for. A region that cannot be read makes the whole
 * source unknown (null), never a shorter list.
 */
import { keyAlias } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { KubeClient } from '../../kube/client.js';
import { KeyInspector } from '../../providers/kms/key-inspection.js';
import type { Logger } from '../../runtime/logging.js';
import { kmsEndpointOf } from './regional-access.js';
import { errorMessage } from '../../runtime/errors.js';

const aliasPrefix = keyAlias({ metadata: { name: '' } });

async function regionAliases(
  client: KubeClient,
  region: string,
  config: Pick<OperatorConfig, 'regions'>,
  logger: Logger,
): Promise<string[]> {
  const settings = config.regions[region];
  if (!settings) return [];
  const { endpoint } = await kmsEndpointOf(client, region, settings);
  const inspector = new KeyInspector(endpoint, { logger });
  try {
    // alias/bulkhead/pool/<region> is a region's pool key (decision 0049), no tenant's: a tenant's name has no '/'.
    return (await inspector.aliasesStartingWith(aliasPrefix))
      .map((alias) => alias.slice(aliasPrefix.length))
      .filter((name) => !name.includes('/'));
  } finally {
    inspector.close();
  }
}

export async function keyAliasInventory(
  client: KubeClient,
  config: Pick<OperatorConfig, 'regions'>,
  logger: Logger,
): Promise<string[] | null> {
  try {
    const tenants: string[] = [];
    for (const region of Object.keys(config.regions).sort()) tenants.push(...(await regionAliases(client, region, config, logger)));
    return tenants;
  } catch (error) {
    logger.warn('Could not list the key aliases for the inventory', { error: errorMessage(error) });
    return null;
  }
}
