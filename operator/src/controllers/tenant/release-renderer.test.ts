import assert from 'node:assert/strict';
import type { RenderedRelease, RenderRequest } from '../../providers/release/index.js';
import { CachingRenderer } from './release-renderer.js';

const request = (releaseName: string, values: Record<string, unknown> = {}): RenderRequest => ({
  helm: 'helm',
  chartPath: '/charts/tenant-app-1.0.0.tgz',
  releaseName,
  namespace: `tenant-${releaseName}`,
  values,
});

/** A stand-in for helm: one ConfigMap whose data is `padding` characters long, counting its runs. */
function fakeHelm(padding = 100): { renders: string[]; render: (r: RenderRequest) => Promise<RenderedRelease> } {
  const renders: string[] = [];
  return {
    renders,
    render: (r) => {
      renders.push(r.releaseName);
      const objects = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: r.releaseName }, data: { pad: 'x'.repeat(padding) } }];
      return Promise.resolve({ objects, digest: `sha256:${r.releaseName}`, chartVersion: '1.0.0' });
    },
  };
}

const jsonLength = (name: string, padding = 100): number =>
  JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { pad: 'x'.repeat(padding) } }]).length;

describe('the release renderer’s cache', () => {
  it('runs helm once for the same inputs, and again when a value changes', async () => {
    const helm = fakeHelm();
    let misses = 0;
    const renderer = new CachingRenderer({ render: helm.render, onRender: () => misses++ });
    const first = await renderer.render(request('acme'));
    const second = await renderer.render(request('acme'));
    assert.deepEqual(second, first);
    assert.deepEqual(helm.renders, ['acme']);
    await renderer.render(request('acme', { replicaCount: 0 }));
    assert.deepEqual(helm.renders, ['acme', 'acme']);
    assert.equal(misses, 2);
  });

  it('keeps no more JSON than its bound, forgetting the least recently used first', async () => {
    const helm = fakeHelm();
    const one = jsonLength('t-0');
    const renderer = new CachingRenderer({ render: helm.render, maxBytes: one * 3 });
    for (const name of ['t-0', 't-1', 't-2']) await renderer.render(request(name));
    await renderer.render(request('t-0')); // used again: t-1 is now the oldest
    await renderer.render(request('t-3')); // over the bound: t-1 goes
    assert.deepEqual(renderer.size, { entries: 3, bytes: one * 3 });
    helm.renders.length = 0;
    for (const name of ['t-0', 't-2', 't-3']) await renderer.render(request(name));
    assert.deepEqual(helm.renders, []);
    await renderer.render(request('t-1'));
    assert.deepEqual(helm.renders, ['t-1']);
  });

  it('stays within its bound over a fleet larger than it holds', async () => {
    const helm = fakeHelm();
    const maxBytes = jsonLength('t-000') * 50;
    const renderer = new CachingRenderer({ render: helm.render, maxBytes });
    for (let i = 0; i < 1000; i++) await renderer.render(request(`t-${String(i).padStart(3, '0')}`));
    assert.equal(renderer.size.entries, 50);
    assert.ok(renderer.size.bytes <= maxBytes, `${renderer.size.bytes} > ${maxBytes}`);
  });

  it('does not keep a result larger than the whole bound, and still returns it', async () => {
    const helm = fakeHelm(1000);
    const renderer = new CachingRenderer({ render: helm.render, maxBytes: 500 });
    const rendered = await renderer.render(request('big'));
    assert.equal(rendered.objects.length, 1);
    assert.deepEqual(renderer.size, { entries: 0, bytes: 0 });
  });

  it('gives each caller its own objects, so a change by one does not reach the next', async () => {
    const renderer = new CachingRenderer({ render: fakeHelm().render });
    const first = await renderer.render(request('acme'));
    (first.objects[0]?.metadata as { labels?: Record<string, string> }).labels = { changed: 'yes' };
    const second = await renderer.render(request('acme'));
    assert.equal(second.objects[0]?.metadata.labels, undefined);
  });
});
