/**
 * Renders a tenant's release with helm, remembering recent results: a reconcile woken by drift on
 * one object should not pay for a `helm template` run when nothing that feeds the render changed.
 */
import { createHash } from 'node:crypto';
import { renderRelease, type RenderedRelease, type RenderRequest } from '../../providers/release/index.js';

export class CachingRenderer {
  private readonly cache = new Map<string, RenderedRelease>();

  constructor(
    private readonly capacity = 2_000,
    private readonly onRender: () => void = () => undefined,
  ) {}

  async render(request: RenderRequest): Promise<RenderedRelease> {
    const key = createHash('sha256')
      .update(JSON.stringify([request.chartPath, request.releaseName, request.namespace, request.values]))
      .digest('hex');
    const hit = this.cache.get(key);
    if (hit) return hit;
    this.onRender();
    const rendered = await renderRelease(request);
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, rendered);
    return rendered;
  }
}
