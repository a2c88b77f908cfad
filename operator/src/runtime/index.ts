/**
 * Bulkhead's generic controller runtime: informers with a cache, a rate-limited work queue,
 * controllers, leader election, health and metrics. It knows nothing about tenants and never
 * imports the Kubernetes client; kube/ implements ListerWatcher and LeaseLock for it.
 */
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { Controller, type ControllerOptions, type ReconcileContext, type ReconcileOutcome, type Reconciler } from './controller.js';
export { errorMessage } from './errors.js';
export { controllerOwnerKeys, enqueueHandler, generationChanged, type EnqueueOptions, type OwnerMatch } from './handlers.js';
export { HealthServer, type HealthCheck, type HealthServerOptions } from './health.js';
export { Informer, type EventHandler, type InformerOptions } from './informer.js';
export { ConflictError, LeaderElector, type LeaderElectionRecord, type LeaderElectorOptions, type LeaseLock } from './leader-election.js';
export { createLogger, errorFields, type Logger, type LoggerOptions } from './logging.js';
export { OwnWrites } from './own-writes.js';
export {
  RuntimeMetrics,
  createRuntimeMetrics,
  type ControllerMetrics,
  type LeaderElectionMetrics,
  type ReconcileResult,
  type RuntimeMetricsOptions,
  type WorkQueueMetrics,
} from './metrics.js';
export {
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from './rate-limiter.js';
export { Reflector, WatchStalledError, type ObjectEvent, type ReflectorOptions, type ReflectorSink } from './reflector.js';
export { setupSignalHandler, type ShutdownHandle, type SignalHandlerOptions } from './signals.js';
export { Store, type IndexFunc } from './store.js';
export {
  StatusError,
  isResourceExpired,
  objectKey,
  splitKey,
  type KubeObject,
  type ListOptions,
  type ListPage,
  type ListerWatcher,
  type ObjectMeta,
  type OwnerReference,
  type Status,
  type WatchEvent,
  type WatchOptions,
} from './types.js';
export { HighPriority, LowPriority, WorkQueue, type QueueItem, type WorkQueueOptions } from './workqueue.js';
