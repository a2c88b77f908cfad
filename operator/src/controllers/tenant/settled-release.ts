/**
 * A release that needs no `helm template`: the Tenant's status records a digest of what its
 * release was rendered from (inputs) and of its objects as last seen holding what was rendered
 * (observed). When neither changed, what helm would render is what is already there, so the live
 * objects stand in for the render. After a restart this is every Ready tenant: its re-sync compares
 * digests instead of running helm (docs/decisions/0037). Any edit or deletion of an object changes
 * the observed digest, and then the release is rendered and compared as before.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { canonicalJson, parseInventoryKey } from '../../providers/release/index.js';
import type { ChartValues } from '../../providers/release/index.js';
import type { KubeObject, ObjectMeta } from '../../runtime/types.js';
import type { StepContext } from './context.js';

/**
 * What the operator makes of a render besides helm's output (adoptReleaseObjects, validation):
 * raise it when that changes, so every release is rendered again once.
 */
export const releaseFormat = 1;

export interface ReleaseInputs {
  helm: string;
  chartPath: string;
  releaseName: string;
  namespace: string;
  values: ChartValues;
  tenant: { name: string; uid: string };
  version: string;
}

const sha256 = (text: string | Buffer): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The digest of everything a render depends on: the chart's bytes, the values, the names, the format. */
export async function releaseInputsDigest(inputs: ReleaseInputs): Promise<string> {
  const chart = sha256(await readFile(inputs.chartPath));
  return sha256(canonicalJson({ ...inputs, chart, releaseFormat }));
}

/**
 * What a change by anyone would alter in a live object: everything but its status and the
 * server's bookkeeping (resourceVersion, generation, managedFields). Its uid stays in, so an
 * object deleted and made again counts as changed.
 */
export function fingerprintOf(live: KubeObject): unknown {
  const { status: _status, metadata, ...content } = live as KubeObject & { status?: unknown };
  const {
    resourceVersion: _version,
    generation: _generation,
    managedFields: _fields,
    ...identity
  } = metadata as ObjectMeta & {
    managedFields?: unknown;
  };
  return { ...content, metadata: identity };
}

/** One digest over the live objects, in any order. */
export function observedDigest(live: readonly KubeObject[]): string {
  const entries = live.map((object) => canonicalJson(fingerprintOf(object))).sort();
  return sha256(`[${entries.join(',')}]`);
}

/**
 * The live objects of the tenant's release (and the digest of its render) when its status shows it
 * applied from `inputs` and none of them changed since; undefined when it must be rendered
 * (anything differs, or is gone).
 */
export async function settledRelease(context: StepContext, inputs: string): Promise<{ objects: KubeObject[]; digest: string } | undefined> {
  const app = context.tenant.status?.app;
  if (!app?.observedDigest || app.inputsDigest !== inputs) return undefined;
  const live = await liveObjects(context, app.inventory ?? []);
  return live && observedDigest(live) === app.observedDigest ? { objects: live, digest: app.digest ?? '' } : undefined;
}

/** The live copies of the inventory's objects; undefined when one is gone (or a key is not one). */
async function liveObjects(context: StepContext, inventory: readonly string[]): Promise<KubeObject[] | undefined> {
  const live: KubeObject[] = [];
  for (const key of inventory) {
    const entry = parseInventoryKey(key);
    if (!entry) return undefined;
    const { apiVersion, kind, name, namespace } = entry;
    const object = await context.owned.live({ apiVersion, kind, metadata: { name, namespace } });
    if (!object) return undefined;
    live.push(object);
  }
  return live;
}
