/**
 * `bulkhead operator`: runs the operator. Caches start at once on every replica (so a standby is
 * ready to lead); controllers run only on the leader. Losing the lease aborts every reconcile in
 * flight (the leadership signal reaches kube, PostgreSQL and KMS calls) and exits the process, as
 * controller-runtime does; a leader that was frozen and wakes up is stopped at its next destructive
 * act by the leadership fence (runtime/fence.ts), before its timers have even told it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Counter } from 'prom-client';
import { parse } from 'yaml';
import { fieldManager } from '../api/labels.js';
import { parseOperatorConfig, type OperatorConfig } from '../api/operator-config.js';
import { createRolloutController } from '../controllers/rollout/index.js';
import { createAdmissionController } from '../controllers/admission/controller.js';
import { BackupScheduler, createRestoreController } from '../controllers/backup/index.js';
import { createTenantController } from '../controllers/tenant/controller.js';
import { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import type { OperatorAuditOptions } from '../audit/operator-audit.js';
import type { KubeClient } from '../kube/client.js';
import { isSubset } from '../kube/semantic.js';
import { KubeEventRecorder } from '../kube/events.js';
import { KubeLeaseLock } from '../kube/lease-lock.js';
import { resourceOf } from '../kube/transport.js';
import { buildTenantOwnerClusterRole, buildTenantOwnerReadOnlyClusterRole } from '../resources/tenant-owner-role.js';
import { unelectedFence, type LeadershipFence } from '../runtime/fence.js';
import type { Informer } from '../runtime/informer.js';
import type { KubeObject } from '../runtime/types.js';
import { HealthServer } from '../runtime/health.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { createLogger, errorFields, type Logger } from '../runtime/logging.js';
import { createRuntimeMetrics } from '../runtime/metrics.js';
import { setupSignalHandler } from '../runtime/signals.js';
import { HighPriority } from '../runtime/workqueue.js';
import { connect, type ClusterOptions } from './cluster.js';

export function loadOperatorConfig(path = process.env.BULKHEAD_CONFIG): OperatorConfig {
  const file: unknown = path ? parse(readFileSync(path, 'utf8')) : {};
  return parseOperatorConfig(file);
}

/** Runs until SIGTERM/SIGINT; `cluster` is --kubeconfig/--context (default $KUBECONFIG, else ~/.kube/config, else the pod's ServiceAccount). */
export async function runOperator(config: OperatorConfig, cluster: ClusterOptions = { kubeconfig: process.env.KUBECONFIG }): Promise<void> {
  const logger = createLogger({ level: config.logLevel, name: 'bulkhead' });
  const identity = config.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const metrics = createRuntimeMetrics();
  const requests = new Counter({
    name: 'bulkhead_kube_requests_total',
    help: 'Requests the operator sent to kube-apiserver, by verb, resource and status code.',
    labelNames: ['verb', 'resource', 'code'],
    registers: [metrics.registry],
  });
  const client = connect(cluster, (method, path, status) => requests.inc({ verb: method, resource: resourceOf(path), code: status }));
  const shutdown = setupSignalHandler({ logger });
  const addresses = new PlatformAddressResolver(config);
  const tenants = createTenantController({
    client,
    config,
    logger,
    metrics,
    addresses,
    events: new KubeEventRecorder(client, 'bulkhead', identity),
  });
  const rollouts = createRolloutController({
    client,
    logger,
    metrics,
    tenants: tenants.tenants,
    events: new KubeEventRecorder(client, 'bulkhead', identity),
  });
  const admission = config.admissionPolicies.enabled
    ? createAdmissionController({ client, config, addresses, logger, metrics })
    : undefined;
  const restores = config.backups
    ? createRestoreController({
        client,
        logger,
        metrics,
        tenants: tenants.tenants,
        plans: tenants.plans,
        backups: (region) => tenants.providers.backups(region),
        events: new KubeEventRecorder(client, 'bulkhead', identity),
      })
    : undefined;
  const informers = [
    ...tenants.informers,
    ...rollouts.informers,
    ...(admission?.informers ?? []),
    ...(restores ? [restores.restores as unknown as Informer<KubeObject>] : []),
  ];
  warnAboutUnboundedEgress(config, logger);
  const health = new HealthServer({ host: config.health.host, port: config.health.port, registry: metrics.registry, logger });
  health.addReadinessCheck('informers', () => informers.every((i) => i.hasSynced()));
  await health.start();
  for (const informer of informers) informer.start();

  const lead = async (signal: AbortSignal, fence: LeadershipFence): Promise<void> => {
    await ensureClusterRole(client, buildTenantOwnerClusterRole(config.tenantOwnerClusterRole));
    await ensureClusterRole(client, buildTenantOwnerReadOnlyClusterRole(config.tenantOwnerClusterRole));
    for (const informer of informers) await informer.waitForSync(signal);
    admission?.controller.start(signal, fence);
    admission?.kick();
    tenants.controller.start(signal, fence);
    tenants.resync(signal);
    rollouts.controller.start(signal, fence);
    restores?.controller.start(signal, fence);
    const audit = config.audit.enabled
      ? runPeriodicAudit({
          client,
          cluster,
          config,
          logger,
          registry: metrics.registry,
          leadership: { signal, fence },
          newWork: () => tenants.controller.queue.waitingAtOrAbove(HighPriority),
          countRequests: ({ verb, resource, code, count }) => requests.inc({ verb, resource, code }, count),
        })
      : Promise.resolve();
    const backups = config.backups
      ? new BackupScheduler({
          client,
          config,
          tenants: tenants.tenants,
          plans: tenants.plans,
          backups: (region) => tenants.providers.backups(region),
          events: new KubeEventRecorder(client, 'bulkhead', identity),
          logger: logger.child({ controller: 'backups' }),
        }).run(signal, fence)
      : Promise.resolve();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.all([
      tenants.controller.stop(),
      rollouts.controller.stop(),
      admission?.controller.stop(),
      restores?.controller.stop(),
      audit,
      backups,
    ]);
  };
  try {
    if (config.leaderElection.enabled) await runElected({ config, client, identity, logger, metrics }, lead, shutdown.signal);
    else await lead(shutdown.signal, unelectedFence(shutdown.signal));
  } finally {
    await Promise.all(informers.map((i) => i.stop()));
    await tenants.providers.close();
    await health.stop();
    client.close();
    shutdown.dispose();
    logger.info('Stopped');
  }
}

/**
 * The tenant-owner ClusterRole and its read-only twin, kept as built on every leadership: applied only when it differs
 * (rules added or taken away count), so a restart writes nothing. Read with a list by name, which
 * the operator's ClusterRole already allows, rather than a get it would need to be granted.
 */
async function ensureClusterRole(client: KubeClient, desired: ReturnType<typeof buildTenantOwnerClusterRole>): Promise<void> {
  // A GET by name, which the chart grants for these roles alone; listing ClusterRoles is the audit's
  // (granted only while it is on), so an operator with the audit off could not start.
  const live = await client.get<typeof desired>({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    name: desired.metadata.name,
  });
  if (live && isSubset(desired, live)) return; // rules are compared whole: one added is a difference
  await client.apply(desired, { fieldManager, force: true });
}

/**
 * The audit's schedule is loaded only by a leader that runs it: a standby replica, or an operator
 * with the audit off, never pays for it. Its passes run in child processes (docs/decisions/0068).
 */
async function runPeriodicAudit(options: OperatorAuditOptions): Promise<void> {
  const { createOperatorAudit } = await import('../audit/operator-audit.js');
  await createOperatorAudit(options).run(options.leadership.signal);
}

/** Without the cluster's ranges, a declared 0.0.0.0/0 reaches the whole cluster; say so at start (the audit says it too). */
function warnAboutUnboundedEgress(config: OperatorConfig, logger: Logger): void {
  const { pods, services } = config.network.clusterCIDRs;
  if (pods.length > 0 && services.length > 0) return;
  logger.warn('network.clusterCIDRs.pods or .services is not configured: declared egress CIDRs are not bounded away from the cluster');
}

interface Election {
  config: OperatorConfig;
  client: KubeClient;
  identity: string;
  logger: Logger;
  metrics: ReturnType<typeof createRuntimeMetrics>;
}

type Lead = (signal: AbortSignal, fence: LeadershipFence) => Promise<void>;

async function runElected(election: Election, lead: Lead, shutdown: AbortSignal): Promise<void> {
  const { config, client, identity, logger, metrics } = election;
  const le = config.leaderElection;
  let lost = false;
  const elector = new LeaderElector({
    lock: new KubeLeaseLock(client, config.namespace, le.leaseName),
    identity,
    logger,
    metrics,
    leaseDurationMs: le.leaseDurationSeconds * 1000,
    renewDeadlineMs: le.renewDeadlineSeconds * 1000,
    retryPeriodMs: le.retryPeriodSeconds * 1000,
    onStartedLeading: async (signal, fence) => {
      await lead(signal, fence).catch((error: unknown) => {
        logger.error('Leading failed', errorFields(error));
      });
    },
    onStoppedLeading: () => {
      lost = !shutdown.aborted;
    },
  });
  await elector.run(shutdown);
  if (lost) {
    logger.error('Lost the leader lease; exiting so a fresh process can campaign again');
    process.exitCode = 1;
  }
}
