/**
 * Reads helm's multi-document output as Kubernetes itself would read it. kubectl and
 * kube-apiserver decode YAML with sigs.k8s.io/yaml, which follows YAML 1.1: `defaultMode: 0644`
 * is octal (420) and `on`/`yes` are booleans, while timestamps and `1:20` stay strings. The yaml
 * package's 1.2 default would read `0644` as 644, which Kubernetes refuses as a file mode.
 */
import { parseAllDocuments, type Document, type Tags } from 'yaml';
import type { KubeObject } from '../../runtime/types.js';
import { errorMessage } from '../../runtime/errors.js';

/** Helm output that is not a list of Kubernetes objects. */
export class ManifestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ManifestError';
  }
}

/** YAML 1.1 tags sigs.k8s.io/yaml does not apply to plain scalars: timestamps and base 60. */
function kubernetesTags(tags: Tags): Tags {
  return tags.filter((tag) =>
    typeof tag === 'string'
      ? !['timestamp', 'intTime', 'floatTime'].includes(tag)
      : tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME',
  );
}

/** Keeps a chart from expanding a few aliases into gigabytes (the "billion laughs"). */
const maximumAliasCount = 100;

/** The objects of a multi-document stream; empty documents (only `---` or comments) are dropped. */
export function parseManifests(text: string): KubeObject[] {
  const documents = parseAllDocuments(text, { version: '1.1', customTags: kubernetesTags });
  const objects: KubeObject[] = [];
  documents.forEach((document, index) => {
    const [error] = document.errors;
    if (error) throw new ManifestError(`document ${index + 1} is not valid YAML: ${error.message}`);
    const value = toJS(document, index);
    if (value === null || value === undefined) return;
    if (!isObjectLike(value)) {
      throw new ManifestError(`document ${index + 1} is not a Kubernetes object (a mapping with a metadata mapping)`);
    }
    objects.push(value);
  });
  return objects;
}

function toJS(document: Document, index: number): unknown {
  try {
    return document.toJS({ maxAliasCount: maximumAliasCount });
  } catch (error) {
    throw new ManifestError(`document ${index + 1} cannot be read: ${errorMessage(error)}`, { cause: error });
  }
}

function isObjectLike(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { metadata } = value as { metadata?: unknown };
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata);
}
