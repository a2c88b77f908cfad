/** Implements the runtime's ListerWatcher for one kind (optionally one namespace or label selector). */
import type { KubeObject, ListerWatcher } from '../runtime/types.js';
import type { KubeClient } from './client.js';

export interface Selection {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
}

export function listerWatcher<T extends KubeObject>(client: KubeClient, selection: Selection): ListerWatcher<T> {
  const { apiVersion, kind, namespace, labelSelector } = selection;
  return {
    list: (options, _signal) => client.list<T>(apiVersion, kind, { namespace, labelSelector, ...options }),
    watch: (options, onEvent, signal) => client.watch<T>({ apiVersion, kind, namespace, labelSelector, ...options }, onEvent, signal),
  };
}
