/**
 * The release provider: renders the product's Helm chart for one tenant with the real helm and
 * checks that what it renders stays inside the tenant. The tenant controller does the rest
 * (apply, prune, health):
 *
 *   const chartPath = await locateChart(chartDir, plan.app.chart, version);
 *   const { values, refused } = mergeValues({ planValues, tenantValues, allowedKeys, operatorValues: operatorValues(tenant) });
 *   const rendered = await renderRelease({ helm, chartPath, releaseName: releaseName(tenant), namespace, values });
 *   const objects = validateRenderedObjects(rendered.objects, { namespace, isNamespaced });
 *   // apply objects; delete planPrune(previous, objects, { namespace }); store inventoryOf(objects)
 */
export { chartFileName, locateChart, packageChart, type PackageOptions } from './chart-repository.js';
export { clusterScopedKinds } from './cluster-scoped-kinds.js';
export { canonicalJson, digestOf } from './digest.js';
export { ChartNotFound, RenderFailed, RenderRefused, type RenderProblem, type RenderRule } from './errors.js';
export { renderRelease, type RenderedRelease, type RenderRequest } from './helm-renderer.js';
export {
  decodeInventory,
  encodeInventory,
  inventoryAnnotationLimitBytes,
  inventoryKey,
  inventoryOf,
  objectIdentity,
  parseInventoryKey,
  planPrune,
  type InventoryEntry,
  type PruneOptions,
} from './inventory.js';
export { parseManifests } from './manifests.js';
export {
  findRenderProblems,
  validateRenderedObjects,
  type KindScope,
  type ValidationOptions,
  type ValidationResult,
} from './validation.js';
export { deepMerge, mergeValues, operatorValues, type ChartValues, type MergedValues, type ValueSources } from './values.js';
