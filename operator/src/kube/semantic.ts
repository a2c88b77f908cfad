/**
 * Does a live object already hold everything we would apply? Used to skip server-side apply when
 * nothing changed, so that an operator with every tenant Ready sends no write at all. The live
 * object has more than we sent (defaults, other managers' fields, status), so the test is
 * "desired is a subset of live", with quantities compared by value because the server rewrites
 * them in canonical form ("1000m" comes back as "1").
 */

const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The numeric value of a Kubernetes quantity string, or undefined if it is not one. */
export function quantityValue(text: string): number | undefined {
  const match = quantityPattern.exec(text);
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in binarySuffixes) return number * (binarySuffixes[suffix] ?? 1);
  if (suffix in decimalSuffixes) return number * (decimalSuffixes[suffix] ?? 1);
  return number * 10 ** Number(suffix.slice(1));
}

function scalarsEqual(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if ((typeof desired === 'string' || typeof desired === 'number') && (typeof live === 'string' || typeof live === 'number')) {
    const a = quantityValue(String(desired));
    const b = quantityValue(String(live));
    return a !== undefined && a === b;
  }
  return false;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when every field of `desired` is present in `live` with an equal value (arrays element by element). */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(live) && desired.length === live.length && desired.every((item, i) => isSubset(item, live[i]));
  }
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    return Object.entries(desired).every(([key, value]) => value === undefined || isSubset(value, live[key]));
  }
  return scalarsEqual(desired, live);
}
