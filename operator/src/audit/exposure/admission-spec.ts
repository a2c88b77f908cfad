/**
 * Comparing a live ValidatingAdmissionPolicy (or binding) with the one the operator builds. The
 * API server fills in defaults the builder leaves out (matchPolicy Equivalent, empty selectors,
 * scope `*`); those are dropped from both sides before comparing, and everything else must be
 * equal: an added matchCondition, excludeResourceRules, objectSelector, paramRef or a changed
 * expression can switch a policy off as surely as deleting it, so "contains what we built" is not
 * enough.
 */

const defaults: Readonly<Record<string, unknown>> = { matchPolicy: 'Equivalent', scope: '*' };
const emptyByDefault: ReadonlySet<string> = new Set(['namespaceSelector', 'objectSelector']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isEmpty = (value: unknown): boolean => isObject(value) && Object.keys(value).length === 0;

/** The value without server defaults and without empty objects (an absent selector selects all, as `{}` does). */
export function withoutDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaults);
  if (!isObject(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const item = withoutDefaults(raw);
    const isDefault = defaults[key] === item || (emptyByDefault.has(key) && isEmpty(item));
    if (item === undefined || isDefault || isEmpty(item)) continue;
    kept[key] = item;
  }
  return kept;
}

/** The paths at which two values differ, e.g. `spec.validations[0].expression`. */
export function differences(built: unknown, live: unknown, path = 'spec'): string[] {
  if (Array.isArray(built) && Array.isArray(live)) {
    if (built.length !== live.length) return [`${path} (${live.length} entries, built with ${built.length})`];
    return built.flatMap((item, index) => differences(item, live[index], `${path}[${index}]`));
  }
  if (isObject(built) && isObject(live)) {
    const keys = [...new Set([...Object.keys(built), ...Object.keys(live)])].sort();
    return keys.flatMap((key) => differences(built[key], live[key], `${path}.${key}`));
  }
  return built === live ? [] : [path];
}

/** Where the live spec differs from the built one, server defaults aside. */
export function specDifferences(built: unknown, live: unknown): string[] {
  return differences(withoutDefaults(built), withoutDefaults(live));
}
