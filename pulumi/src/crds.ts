/**
 * Bulkhead's CustomResourceDefinitions, one ConfigFile per file in crds/ (the same files
 * `kubectl apply -f crds/` uses). They are kept when the stack is destroyed, as Helm keeps a
 * chart's CRDs: deleting a CRD deletes every Tenant, and with it the tenants' data.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { crdsDir } from './paths.js';

/** The CRD manifests, sorted; crds/examples/ holds sample objects, not definitions. */
export function crdFiles(dir = crdsDir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(dir, entry.name))
    .sort();
}

function retainOnDelete(_object: unknown, options: pulumi.CustomResourceOptions): void {
  options.retainOnDelete = true;
}

export interface Crds {
  files: k8s.yaml.ConfigFile[];
  /**
   * The definitions themselves. Depend on these, not on `files`: a ConfigFile's children exist
   * only once the provider has decoded the YAML, so depending on the component alone can miss them.
   */
  definitions: pulumi.Output<k8s.apiextensions.v1.CustomResourceDefinition[]>;
}

export function createCrds(provider: pulumi.ProviderResource): Crds {
  const files = crdFiles().map(
    (file) =>
      new k8s.yaml.ConfigFile(
        `crds/${file.split('/').at(-1)}`,
        {
          file,
          transformations: [retainOnDelete],
        },
        { provider },
      ),
  );
  const definitions = pulumi
    .all(files.map((file) => file.resources))
    .apply((byFile) => byFile.flatMap((resources) => Object.values(resources) as k8s.apiextensions.v1.CustomResourceDefinition[]));
  return { files, definitions };
}
