/**
 * Waiting for a database call that a signal may abort. node-postgres takes no AbortSignal, so on
 * abort the wait ends at once with the signal's reason and `cancel` asks the server to stop the
 * statement (the caller then discards the connection instead of pooling it). The call's own later
 * failure, once the connection is gone, is absorbed here.
 */

export interface Abortable {
  signal: AbortSignal | undefined;
  /** Stops the work on the server; must not reject. */
  cancel(): Promise<void>;
}

export function untilAborted<T>(abortable: Abortable, work: Promise<T>): Promise<T> {
  const { signal } = abortable;
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted', { cause: signal.reason }));
      void abortable.cancel();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
