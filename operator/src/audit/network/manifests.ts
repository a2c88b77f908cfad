/**
 * Reads a directory of YAML manifests (every *.yaml / *.yml file directly in it, multi-document
 * allowed, `kind: List` expanded) into the analyzer's ClusterState. YAML is parsed with 1.1
 * semantics, as kubectl's decoder does, so `yes` is a boolean and a label value must be quoted.
 * Kinds other than Namespace, Pod and NetworkPolicy are ignored.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import type { ClusterState, Namespace, NetworkPolicy, Pod } from './model.js';
import {
  NamespaceManifestSchema,
  NetworkPolicyManifestSchema,
  PodManifestSchema,
  namespaceOf,
  networkPolicyOf,
  podOf,
} from './manifest-schema.js';
import { namespaceNameLabel } from './policy-semantics.js';
import { errorMessage } from '../../runtime/errors.js';

/** Bad input, with the file (and document) it came from in the message. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

export async function loadManifestDirectory(directory: string): Promise<ClusterState> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    throw new ManifestError(`--manifests ${directory}: cannot read directory (${errorMessage(error)})`, { cause: error });
  }
  const files = entries.filter((entry) => /\.ya?ml$/i.test(entry)).sort();
  const collector = new Collector();
  for (const file of files) collector.addFile(join(directory, file), await readText(join(directory, file)));
  return collector.result();
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`${path}: cannot read file (${errorMessage(error)})`, { cause: error });
  }
}

interface Source {
  file: string;
  document: number;
}

/** Collects objects from any number of files; also usable on YAML text directly (tests). */
export class Collector {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly pods = new Map<string, Pod>();
  private readonly policies = new Map<string, NetworkPolicy>();

  addFile(file: string, text: string): void {
    parseAllDocuments(text, { version: '1.1' }).forEach((document, index) => {
      const source = { file, document: index + 1 };
      const problem = document.errors[0];
      if (problem) throw new ManifestError(`${where(source)}: invalid YAML: ${problem.message}`);
      this.addObject(document.toJS() as unknown, source);
    });
  }

  private addObject(object: unknown, source: Source): void {
    if (typeof object !== 'object' || object === null) return;
    const { kind, items } = object as { kind?: unknown; items?: unknown };
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
      for (const item of items) this.addObject(item, source);
      return;
    }
    if (kind === 'Namespace') this.put(this.namespaces, namespaceOf(parse(NamespaceManifestSchema, object, source)), source);
    if (kind === 'Pod') this.put(this.pods, podOf(parse(PodManifestSchema, object, source)), source);
    if (kind === 'NetworkPolicy') this.put(this.policies, networkPolicyOf(parse(NetworkPolicyManifestSchema, object, source)), source);
  }

  private put<T extends { name: string; namespace?: string }>(into: Map<string, T>, value: T, source: Source): void {
    const key = value.namespace === undefined ? value.name : `${value.namespace}/${value.name}`;
    if (into.has(key)) throw new ManifestError(`${where(source)}: ${key} is declared twice`);
    into.set(key, value);
  }

  /** Declared namespaces get the server-set name label; referenced but undeclared ones only that. */
  result(): ClusterState {
    const namespaces = new Map<string, Namespace>();
    for (const { name, labels } of this.namespaces.values())
      namespaces.set(name, { name, labels: { ...labels, [namespaceNameLabel]: name } });
    const referenced = [...this.pods.values(), ...this.policies.values()].map((object) => object.namespace);
    for (const name of referenced) {
      if (!namespaces.has(name)) namespaces.set(name, { name, labels: { [namespaceNameLabel]: name } });
    }
    return { namespaces: [...namespaces.values()], pods: [...this.pods.values()], policies: [...this.policies.values()] };
  }
}

function parse<S extends z.ZodType>(schema: S, object: unknown, source: Source): z.infer<S> {
  const parsed = schema.safeParse(object);
  if (parsed.success) return parsed.data;
  const { kind, metadata } = object as { kind?: string; metadata?: { name?: unknown } };
  const name = typeof metadata?.name === 'string' ? metadata.name : '?';
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  throw new ManifestError(`${where(source)} (${kind} ${name}): ${path}: ${issue?.message ?? 'invalid'}`);
}

function where(source: Source): string {
  return `${source.file}: document ${source.document}`;
}
