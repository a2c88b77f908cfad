/**
 * The Pulumi stack that installs Bulkhead onto the local environment (`make pulumi-up`, and
 * e2e/pulumi.spec.ts): the same chart, image and values as the helm installation of
 * installed-platform.ts (its `installValues`: the local image, the chart repository ConfigMap,
 * egress to exactly the local servers), with the regions and their logins as the program's own
 * stack config, so the program creates their Secrets itself.
 *
 * It installs into a namespace of its own, `bulkhead-pulumi`. The chart's cluster-wide objects
 * (ClusterRoles, the confinement policy) have fixed names, so it cannot sit beside a helm release
 * of the chart: `assertNoOtherInstallation` refuses while one is there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigMap } from '@pulumi/pulumi/automation/index.js';
import type { Environment } from '../../testenv/src/environment.js';
import { installValues } from '../installed-platform.js';
import { createAuditTrailDatabase, localKms, localOperatorSettings, localRegions, packageProductCharts } from '../local-platform.js';

export const pulumiNamespace = 'bulkhead-pulumi';
export const localStackName = 'local';

export interface LocalStackOptions {
  env: Environment;
  stateDir: string;
  /** The image tag to install, already in the node's containerd. */
  tag: string;
  /** The onboarding API's audit trail URL (postgres://, reachable from pods). */
  trailUrl: string;
}

/** The stack config: what the program needs to install Bulkhead here, passwords as secrets. */
export function localStackConfig(options: LocalStackOptions): ConfigMap {
  const { env, stateDir, tag, trailUrl } = options;
  const chartsDir = join(stateDir, 'pulumi', 'charts');
  // Packaged once: a new tarball of the same chart differs in its timestamps, which a second `up` would apply.
  if (!existsSync(chartsDir)) packageProductCharts(env, chartsDir);
  const { operator, ...values } = installValues(env, { operatorConfig: localOperatorSettings(env), chartsDir, stateDir }, tag) as {
    operator: Record<string, unknown>;
  };
  // The program sets the chart repository volume itself, from bulkhead:chartRepository.
  const { chartRepositoryVolume: _volume, ...operatorValues } = operator;
  const region = {
    database: { host: env.postgres.host, port: env.postgres.port, username: env.postgres.user, password: env.postgres.password },
    kms: {
      accountId: localKms.accountId,
      endpoint: env.kms.endpoint,
      accessKeyId: localKms.accessKeyId,
      secretAccessKey: localKms.secretAccessKey,
    },
  };
  return {
    'bulkhead:kubeconfig': { value: env.kubeconfig },
    'bulkhead:namespace': { value: pulumiNamespace },
    'bulkhead:chartValues': { value: JSON.stringify({ ...values, operator: operatorValues }) },
    'bulkhead:chartRepository': { value: chartsDir },
    'bulkhead:regions': { value: JSON.stringify(Object.fromEntries(localRegions.map((name) => [name, region]))), secret: true },
    'bulkhead:apiAuditTrailUrl': { value: trailUrl, secret: true },
  };
}

/**
 * The audit trail for `make pulumi-up`: created once (a database and a login of its own, as
 * docs/api.md says) and kept in the state directory, since creating it again changes the login's
 * password, which a second `up` would then roll out.
 */
export async function localAuditTrail(env: Environment, stateDir: string): Promise<string> {
  const file = join(stateDir, 'pulumi', 'audit-trail-url');
  if (!existsSync(file)) {
    mkdirSync(join(stateDir, 'pulumi'), { recursive: true });
    writeFileSync(file, await createAuditTrailDatabase(env), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** Refuses when the chart is installed by another release (helm's in bulkhead-system): its cluster-wide objects would collide. */
export function assertNoOtherInstallation(kubectl: (...args: string[]) => string): void {
  const owner = kubectl(
    'get',
    'clusterrole',
    'bulkhead-operator',
    '--ignore-not-found',
    '-o',
    'jsonpath={.metadata.annotations.meta\\.helm\\.sh/release-namespace}',
  ).trim();
  if (owner === '' || owner === pulumiNamespace) return;
  throw new Error(
    `Bulkhead is already installed by the helm release in ${owner}: the chart's cluster-wide objects (ClusterRoles, the confinement policy) belong to one release at a time, and two operators would act on the same Tenants. Uninstall it first (helm uninstall bulkhead -n ${owner}), or stop make demo.`,
  );
}
