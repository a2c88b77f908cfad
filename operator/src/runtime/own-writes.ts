/**
 * The operator's own writes, remembered until their watch events arrive, so that an event which
 * only reflects a write the controller made itself does not wake the controller again. Kubernetes'
 * own controllers keep such "expectations" (kube-controller-manager's ControllerExpectations count
 * the creates they wait for); here each write is known by the resourceVersion the server returned
 * for it: the watch event of that object at that resourceVersion is the write's echo, and any
 * other event of it (someone else's write, a later status update, a deletion) is not.
 *
 * Sound because a resourceVersion names one write of one object: a later event can carry it only
 * if it is that write. An expectation whose echo went by unseen (it came before the write's answer
 * was read, see wrote()) matches nothing later; it is dropped by the object's next write or its
 * deletion, so at most one is held per object written.
 */
import { objectKey, type KubeObject } from './types.js';

const keyOf = (object: KubeObject): string => `${object.kind ?? ''}/${objectKey(object)}`;

export class OwnWrites {
  /** kind/namespace/name → the resourceVersion the last write of it returned. */
  private readonly expected = new Map<string, string>();

  /**
   * Records what a write returned. `cached` is the object's cached copy now: if it already shows
   * the written resourceVersion, the echo has come (or the write changed nothing, and there is no
   * event to come), so there is nothing to wait for.
   */
  wrote(written: KubeObject, cached: KubeObject | undefined): void {
    const resourceVersion = written.metadata.resourceVersion;
    if (!resourceVersion || !written.kind) return;
    if (cached?.metadata.resourceVersion === resourceVersion) {
      this.expected.delete(keyOf(written));
      return;
    }
    this.expected.set(keyOf(written), resourceVersion);
  }

  /** Whether this event's object is the echo of a write recorded by wrote(); the expectation is then met and forgotten. */
  isEcho(object: KubeObject): boolean {
    const key = keyOf(object);
    const resourceVersion = object.metadata.resourceVersion;
    if (resourceVersion === undefined || this.expected.get(key) !== resourceVersion) return false;
    this.expected.delete(key);
    return true;
  }

  /** The object is gone: nothing of it is to come. */
  forget(object: KubeObject): void {
    this.expected.delete(keyOf(object));
  }

  /** Expectations not met yet. */
  get size(): number {
    return this.expected.size;
  }
}
