/**
 * The image's software bill of materials, in CycloneDX 1.5 JSON: every npm package installed in
 * /app/node_modules (from their own package.json files, so exactly what ships), the Go modules
 * compiled into helm (`go version -m`), the Debian packages the PostgreSQL tools come from, and
 * Node.js itself. Written here rather than with a scanner because no tool reachable from this
 * machine reads all three sources (syft would, but it is a large Go build of its own); each
 * source is already machine-readable, so this is a thin, checkable transcription.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Component {
  type: 'library' | 'application' | 'framework';
  name: string;
  version: string;
  purl: string;
  'bom-ref'?: string;
}

/** Every package.json under node_modules (scoped ones and nested ones included). */
function npmComponents(nodeModules: string): Component[] {
  const found = new Map<string, Component>();
  const visit = (dir: string): void => {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        visit(join(dir, entry));
        continue;
      }
      const manifest = join(dir, entry, 'package.json');
      if (!existsSync(manifest)) continue;
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (name && version)
        found.set(`${name}@${version}`, { type: 'library', name, version, purl: `pkg:npm/${name.replace('@', '%40')}@${version}` });
      visit(join(dir, entry, 'node_modules'));
    }
  };
  visit(nodeModules);
  return [...found.values()].sort((a, b) => a.purl.localeCompare(b.purl));
}

/** The modules a Go binary was built from, as `go version -m` lists them. */
function goComponents(binary: string): Component[] {
  return execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const [kind, path, version] = line.trim().split(/\s+/);
      if ((kind !== 'mod' && kind !== 'dep') || !path || !version) return [];
      return [{ type: 'library' as const, name: path, version, purl: `pkg:golang/${path}@${version}` }];
    });
}

function debianComponents(packages: readonly string[]): Component[] {
  return packages.map((name) => {
    const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8' }).trim();
    return { type: 'library', name, version, purl: `pkg:deb/debian/${name}@${version}?distro=debian-12` };
  });
}

export interface SbomInputs {
  image: { name: string; version: string; revision: string };
  nodeModules: string;
  helm: string;
  debianPackages: readonly string[];
}

export function buildSbom(inputs: SbomInputs): unknown {
  const node = process.version.replace(/^v/, '');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: {
      component: {
        type: 'container',
        name: inputs.image.name,
        version: inputs.image.version,
        'bom-ref': inputs.image.name,
        properties: [{ name: 'org.opencontainers.image.revision', value: inputs.image.revision }],
      },
      tools: { components: [{ type: 'application', name: 'bulkhead hack/image/sbom.ts' }] },
    },
    components: [
      { type: 'framework', name: 'node', version: node, purl: `pkg:generic/nodejs@${node}` },
      ...debianComponents(inputs.debianPackages),
      ...goComponents(inputs.helm),
      ...npmComponents(inputs.nodeModules),
    ],
  };
}
