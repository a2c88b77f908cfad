/**
 * A digest of rendered objects that changes exactly when what would be applied changes: the
 * canonical JSON (object keys sorted, no whitespace) hashed with SHA-256. The controller can
 * compare it with status.app.digest to skip an apply that would change nothing.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys in code-unit order at every level; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `sha256:<hex>` of the canonical JSON of the objects, in the order given. */
export function digestOf(objects: readonly unknown[]): string {
  return `sha256:${createHash('sha256').update(canonicalJson(objects)).digest('hex')}`;
}
