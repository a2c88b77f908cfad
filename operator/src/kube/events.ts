/**
 * Records Kubernetes Events about an object (core/v1, which `kubectl describe` shows). Events of
 * cluster-scoped objects live in the "default" namespace, as client-go's recorder does. Callers
 * record on transitions only, so that a steady state writes nothing.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../runtime/types.js';
import type { KubeClient } from './client.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export class KubeEventRecorder implements EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
  ) {}

  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    const now = new Date().toISOString();
    await this.client.create(
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${object.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace: object.metadata.namespace,
          uid: object.metadata.uid,
          resourceVersion: object.metadata.resourceVersion,
        },
        type,
        reason,
        // Events are stored as given: keep them short.
        message: message.slice(0, 1024),
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      } as KubeObject,
      { fieldManager: this.component },
    );
  }
}
