/**
 * The live inputs of the fleet network audit: every Namespace, Pod and NetworkPolicy in the
 * cluster, read as the offline analyzer reads manifests. An object the analyzer cannot read (which
 * the API server's validation should have made impossible) stops the audit with its name rather
 * than being skipped, because a skipped policy could hide a flow.
 */
import type { KubeObject } from '../../runtime/types.js';
import { inputObject, type ClusterReader } from '../cluster-reads.js';
import type { InputObject } from '../model.js';
import type { ClusterState } from '../network/index.js';
import {
  NamespaceManifestSchema,
  NetworkPolicyManifestSchema,
  PodManifestSchema,
  namespaceOf,
  networkPolicyOf,
  podOf,
} from '../network/manifest-schema.js';
import { errorMessage } from '../../runtime/errors.js';

export interface CollectedNetwork {
  cluster: ClusterState;
  inputs: InputObject[];
}

function parseEach<T, S>(objects: KubeObject[], parse: (object: unknown) => S, convert: (parsed: S) => T): T[] {
  return objects.map((object) => {
    try {
      return convert(parse(object));
    } catch (error) {
      const where = [object.kind, object.metadata.namespace, object.metadata.name].filter(Boolean).join(' ');
      throw new Error(`cannot read ${where}: ${errorMessage(error)}`, { cause: error });
    }
  });
}

export async function collectNetwork(reader: ClusterReader): Promise<CollectedNetwork> {
  const [namespaces, pods, policies] = await Promise.all([
    reader.list('v1', 'Namespace'),
    reader.list('v1', 'Pod'),
    reader.list('networking.k8s.io/v1', 'NetworkPolicy'),
  ]);
  // Finished pods hold no connections and their IPs may already belong to someone else.
  const running = pods.filter((pod) => !['Succeeded', 'Failed'].includes((pod as { status?: { phase?: string } }).status?.phase ?? ''));
  return {
    cluster: {
      namespaces: parseEach(namespaces, (o) => NamespaceManifestSchema.parse(o), namespaceOf),
      pods: parseEach(running, (o) => PodManifestSchema.parse(o), podOf),
      policies: parseEach(policies, (o) => NetworkPolicyManifestSchema.parse(o), networkPolicyOf),
    },
    inputs: [...namespaces, ...running, ...policies].map(inputObject),
  };
}
