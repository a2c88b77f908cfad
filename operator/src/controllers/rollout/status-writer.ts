/**
 * Writes a Rollout's status with server-side apply on the status subresource, only when it
 * differs from what the Rollout shows (so a rollout waiting on its tenants sends no writes), and
 * records an Event when the phase or its reason changes: that is what `kubectl describe` shows.
 */
import { isDeepStrictEqual } from 'node:util';
import { rolloutFieldManager, type Rollout, type RolloutStatus } from '../../api/rollout.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { errorFields, type Logger } from '../../runtime/logging.js';

export interface RolloutStatusWriter {
  client: KubeClient;
  events?: EventRecorder;
  logger: Logger;
}

/** JSON round trip: undefined fields vanish as they do on the wire. */
const normalized = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? {}));

/** Returns whether it wrote. */
export async function writeRolloutStatus(writer: RolloutStatusWriter, rollout: Rollout, status: RolloutStatus): Promise<boolean> {
  if (isDeepStrictEqual(normalized(rollout.status), normalized(status))) return false;
  await writer.client.applyStatus(
    { apiVersion: rollout.apiVersion, kind: rollout.kind, metadata: { name: rollout.metadata.name }, status } as Rollout,
    { fieldManager: rolloutFieldManager, force: true },
  );
  await recordPhaseChange(writer, rollout, status);
  return true;
}

async function recordPhaseChange(writer: RolloutStatusWriter, rollout: Rollout, next: RolloutStatus): Promise<void> {
  if (!next.reason || !phaseChanged(rollout.status, next)) return;
  const { phase, reason, message = '' } = next;
  writer.logger.info(`Rollout ${phase ?? 'changed'}`, { reason, message });
  const type = phase === 'Paused' || phase === 'RolledBack' ? 'Warning' : 'Normal';
  await writer.events
    ?.record(rollout, type, reason, message)
    .catch((error: unknown) => writer.logger.warn('Could not record event', { reason, ...errorFields(error) }));
}

function phaseChanged(before: RolloutStatus | undefined, next: RolloutStatus): boolean {
  return before?.phase !== next.phase || before?.reason !== next.reason;
}
