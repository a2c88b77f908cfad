import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../shell.js';
import { packImage } from './oci-archive.js';

interface Descriptor {
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

describe('packing a root filesystem into an OCI archive', function () {
  let scratch: string;
  let rootfs: string;

  beforeEach(function () {
    scratch = mkdtempSync(join(tmpdir(), 'oci-archive-'));
    rootfs = join(scratch, 'rootfs');
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc/greeting'), 'hello\n');
  });

  afterEach(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  const pack = (): string =>
    packImage(
      {
        name: 'bulkhead.dev/sample:local',
        rootfs,
        entrypoint: ['/bin/app'],
        user: '65532:65532',
        env: ['A=1'],
        labels: { 'org.opencontainers.image.title': 'sample' },
      },
      join(scratch, 'out'),
    );

  it('writes an OCI layout whose blobs match their digests and whose config carries the image settings', function () {
    const layout = join(scratch, 'layout');
    mkdirSync(layout);
    run('tar', ['-xf', pack(), '-C', layout]);
    const blob = (d: Descriptor): Buffer => readFileSync(join(layout, 'blobs', 'sha256', d.digest.replace('sha256:', '')));
    const checked = (d: Descriptor): Buffer => {
      const content = blob(d);
      assert.equal(`sha256:${createHash('sha256').update(content).digest('hex')}`, d.digest);
      assert.equal(content.length, d.size);
      return content;
    };
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    assert.equal(index.manifests[0]?.annotations?.['io.containerd.image.name'], 'bulkhead.dev/sample:local');
    const manifest = JSON.parse(checked(index.manifests[0]).toString()) as { config: Descriptor; layers: Descriptor[] };
    const config = JSON.parse(checked(manifest.config).toString()) as { config: Record<string, unknown>; rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.config.Entrypoint, ['/bin/app']);
    assert.equal(config.config.User, '65532:65532');
    assert.deepEqual(config.config.Labels, { 'org.opencontainers.image.title': 'sample' });
    assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0]?.digest]);
    assert.match(
      run('tar', ['-tvf', join(layout, 'blobs', 'sha256', (manifest.layers[0]?.digest ?? '').replace('sha256:', ''))]),
      / 0\/0 .* 1970-01-01 00:00 \.\/etc\/greeting/,
    );
    checked(manifest.layers[0] as Descriptor);
  });

  it('gives the same archive for the same directory, whenever it is packed, so digests are reproducible', function () {
    const first = readFileSync(pack());
    run('touch', ['-d', '2001-01-01', join(rootfs, 'etc/greeting')]);
    assert.deepEqual(readFileSync(pack()), first);
  });
});
