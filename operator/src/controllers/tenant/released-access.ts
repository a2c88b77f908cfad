/**
 * Namespaces (by uid) whose operator RoleBinding this process released (steps/operator-access.ts).
 * Right after the release the cache may still show the binding with its finalizer, and a pass woken
 * by another event in that moment (the namespace controller's) would look into the namespace with
 * rights already gone: refused, 403. Held by the owned objects' caches whose lag it covers, so it
 * lives as long as they do: the process, across leadership terms; a restarted operator starts with
 * none, its caches listing the binding as it is then. Bounded: a namespace is looked at only until
 * it is gone, moments after its release.
 */
export class ReleasedAccess {
  private readonly namespaces = new Set<string>();

  constructor(private readonly bound = 10_000) {}

  remember(namespaceUid: string): void {
    if (this.namespaces.size >= this.bound) this.namespaces.delete(this.namespaces.values().next().value ?? '');
    this.namespaces.add(namespaceUid);
  }

  has(namespaceUid: string): boolean {
    return this.namespaces.has(namespaceUid);
  }
}
