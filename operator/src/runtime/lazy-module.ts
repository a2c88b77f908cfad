/**
 * A module loaded by the first call that needs it, and shared by every later one. The operator
 * imports pg, the AWS SDK and the providers built on them this way (docs/decisions/0065): an idle
 * operator, or a replica that never leads, does not hold their code. A failed load is not kept,
 * so the next call tries again and fails the same way a static import would have on first use.
 */
export function lazyModule<M>(load: () => Promise<M>): () => Promise<M> {
  let loading: Promise<M> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
