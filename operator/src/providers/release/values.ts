/**
 * The values a tenant's release is rendered with, from lowest to highest precedence:
 *   1. the chart's defaults (optional: helm applies values.yaml itself; pass them to see the whole),
 *   2. the plan's spec.app.values,
 *   3. the tenant's spec.app.values, limited to the top-level keys the plan lists in
 *      allowedValueKeys,
 *   4. the operator's own values (which Secret and ConfigMap to read), which nobody overrides.
 * Objects merge deeply; arrays and scalars replace what was there, as in helm.
 */
import { databaseSecretName, encryptionKeyConfigMapName, type NamedTenant } from '../../api/names.js';

/** Chart values: a JSON object. */
export type ChartValues = Record<string, unknown>;

export interface ValueSources {
  chartDefaults?: ChartValues;
  planValues?: ChartValues;
  tenantValues?: ChartValues;
  /** The plan's spec.app.allowedValueKeys: the top-level keys a tenant may set. */
  allowedKeys?: readonly string[];
  /** What the operator sets (see operatorValues); always wins. */
  operatorValues: ChartValues;
}

export interface MergedValues {
  values: ChartValues;
  /**
   * The top-level keys of the tenant's values that were left out, sorted: keys its plan does not
   * allow, and keys the operator owns even when the plan allows them.
   */
  refused: string[];
}

/** The values the operator fills in for every tenant (the chart's `tenant` block). */
export function operatorValues(tenant: NamedTenant): ChartValues {
  return {
    tenant: {
      name: tenant.metadata.name,
      databaseSecretName: databaseSecretName(tenant),
      encryptionConfigMapName: encryptionKeyConfigMapName(tenant),
    },
  };
}

/** Merges the sources in precedence order; never mutates them and shares nothing with them. */
export function mergeValues(sources: ValueSources): MergedValues {
  const allowed = new Set(sources.allowedKeys ?? []);
  const operatorKeys = new Set(Object.keys(sources.operatorValues));
  const accepted: ChartValues = {};
  const refused: string[] = [];
  for (const [key, value] of Object.entries(sources.tenantValues ?? {})) {
    if (allowed.has(key) && !operatorKeys.has(key)) setOwn(accepted, key, value);
    else refused.push(key);
  }
  const layers = [sources.chartDefaults ?? {}, sources.planValues ?? {}, accepted, sources.operatorValues];
  const values = layers.reduce<ChartValues>((merged, layer) => deepMerge(merged, layer), {});
  // A copy, so that a caller changing the result cannot reach into a cached plan or tenant.
  return { values: structuredClone(values), refused: refused.sort() };
}

/** `override` on top of `base`: plain objects merge key by key, anything else replaces. */
export function deepMerge(base: ChartValues, override: ChartValues): ChartValues {
  const merged: ChartValues = {};
  for (const [key, value] of Object.entries(base)) setOwn(merged, key, value);
  for (const [key, value] of Object.entries(override)) {
    const existing = merged[key];
    setOwn(merged, key, isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value);
  }
  return merged;
}

function isPlainObject(value: unknown): value is ChartValues {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Defines a key as an own property. Values come from users, and `merged['__proto__'] = x` would
 * change the object's prototype instead of setting a value.
 */
function setOwn(target: ChartValues, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
