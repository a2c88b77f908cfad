/**
 * Renders a tenant's release with helm, remembering recent results: a reconcile woken by drift on
 * one object should not pay for a `helm template` run when nothing that feeds the render changed.
 *
 * The memory is bounded by bytes, not by tenants: each result is kept as its objects' JSON (for the
 * test chart about 4 KB of heap, against 11 KB as parsed objects), and the least recently used goes
 * first once the total passes `maxBytes`. Every result is parsed from that JSON, so no caller can
 * change what the next one gets. Since decision 0037 a settled release needs no render at all, so
 * what is kept here serves repairs and the passes that follow a change.
 */
import { createHash } from 'node:crypto';
import { renderRelease, type RenderedRelease, type RenderRequest } from '../../providers/release/index.js';

/** 8 Mi characters of JSON: every release of 1000 tenants of the test chart (2.5 K each), or 250 of 32 K. */
export const defaultRenderCacheBytes = 8 * 2 ** 20;

export interface CachingRendererOptions {
  /** The most JSON kept, in UTF-16 code units (about bytes for a manifest). */
  maxBytes?: number;
  /** Called for each render that runs helm (a miss). */
  onRender?: () => void;
  render?: (request: RenderRequest) => Promise<RenderedRelease>;
}

interface Kept {
  json: string;
  digest: string;
  chartVersion: string;
}

export class CachingRenderer {
  private readonly cache = new Map<string, Kept>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly onRender: () => void;
  private readonly renderWithHelm: (request: RenderRequest) => Promise<RenderedRelease>;

  constructor(options: CachingRendererOptions = {}) {
    this.maxBytes = options.maxBytes ?? defaultRenderCacheBytes;
    this.onRender = options.onRender ?? (() => undefined);
    this.renderWithHelm = options.render ?? renderRelease;
  }

  /** How many results and how much JSON are kept (for tests and the bench). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.bytes };
  }

  async render(request: RenderRequest): Promise<RenderedRelease> {
    const key = createHash('sha256')
      .update(JSON.stringify([request.chartPath, request.releaseName, request.namespace, request.values]))
      .digest('hex');
    let kept = this.cache.get(key);
    if (kept) {
      // Most recently used goes last: a Map iterates in insertion order.
      this.cache.delete(key);
      this.cache.set(key, kept);
    } else {
      this.onRender();
      const rendered = await this.renderWithHelm(request);
      kept = { json: JSON.stringify(rendered.objects), digest: rendered.digest, chartVersion: rendered.chartVersion };
      this.keep(key, kept);
    }
    // A render and a hit give the same: the objects as JSON carries them, which is what is applied.
    return { objects: JSON.parse(kept.json) as RenderedRelease['objects'], digest: kept.digest, chartVersion: kept.chartVersion };
  }

  private keep(key: string, kept: Kept): void {
    this.forget(key);
    if (kept.json.length > this.maxBytes) return;
    this.cache.set(key, kept);
    this.bytes += kept.json.length;
    for (const oldest of this.cache.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    const kept = this.cache.get(key);
    if (kept === undefined) return;
    this.cache.delete(key);
    this.bytes -= kept.json.length;
  }
}
