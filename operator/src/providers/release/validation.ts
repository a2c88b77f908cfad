/**
 * What a tenant's chart may render. Bulkhead applies the chart with its own, cluster-wide
 * permissions, so the chart must be held to the tenant's boundary here:
 *   - every object is namespaced and lives in the tenant's namespace (one without a namespace is
 *     put there; one naming another namespace is refused);
 *   - no cluster-scoped kind (cluster-scoped-kinds.ts, plus discovery's answer when given);
 *   - RoleBindings bind only Roles of the namespace, to service accounts of the namespace: a
 *     ClusterRole would bring rules the tenant's owners do not control, and a foreign subject
 *     would let another tenant (or everyone, via system:authenticated) into this one;
 *   - Services stay inside the cluster network: no NodePort or LoadBalancer, no externalIPs;
 *   - no NetworkPolicy: the tenant's policies are Bulkhead's alone, and a chart's allow rule would
 *     open what default-deny closes (the cluster's admission policies judge the rest at apply).
 * All problems are collected, so one RenderRefused lists everything to fix.
 */
import type { KubeObject } from '../../runtime/types.js';
import { clusterScopedKinds as defaultClusterScopedKinds } from './cluster-scoped-kinds.js';
import { RenderRefused, type RenderProblem, type RenderRule } from './errors.js';
import { apiGroup, objectIdentity } from './inventory.js';

/** Whether a kind is namespaced, as discovery knows it; undefined when the cluster does not serve it. */
export type KindScope = (type: { apiVersion: string; kind: string }) => boolean | undefined;

export interface ValidationOptions {
  /** The tenant's namespace. */
  namespace: string;
  /** Kinds refused as cluster-scoped, by kind alone; defaults to cluster-scoped-kinds.ts. */
  clusterScopedKinds?: ReadonlySet<string>;
  /** Discovery's view; a kind it calls cluster-scoped or does not know is refused. */
  isNamespaced?: KindScope;
}

export interface ValidationResult {
  /** Copies of the objects with the tenant namespace filled in where it was missing. */
  objects: KubeObject[];
  problems: RenderProblem[];
}

/** An object whose shape has been checked: the fields the rules read are present. */
interface CheckedObject extends KubeObject {
  apiVersion: string;
  kind: string;
}

interface RuleContext {
  namespace: string;
  clusterScopedKinds: ReadonlySet<string>;
  isNamespaced: KindScope | undefined;
}

type Rule = (object: CheckedObject, context: RuleContext) => Omit<RenderProblem, 'object'>[];

/** The objects, placed in the namespace, or RenderRefused listing every problem. */
export function validateRenderedObjects(objects: readonly KubeObject[], options: ValidationOptions): KubeObject[] {
  const result = findRenderProblems(objects, options);
  if (result.problems.length > 0) throw new RenderRefused(result.problems);
  return result.objects;
}

/** Every problem with the objects, without throwing (for the audit, and for tests). */
export function findRenderProblems(objects: readonly KubeObject[], options: ValidationOptions): ValidationResult {
  const context: RuleContext = {
    namespace: options.namespace,
    clusterScopedKinds: options.clusterScopedKinds ?? defaultClusterScopedKinds,
    isNamespaced: options.isNamespaced,
  };
  const placed: KubeObject[] = [];
  const problems: RenderProblem[] = [];
  const seen = new Set<string>();
  objects.forEach((object, index) => {
    const label = describe(object, index);
    const malformed = shapeProblem(object);
    if (malformed) {
      problems.push({ object: label, rule: 'malformed', message: malformed });
      return;
    }
    const inNamespace = withNamespace(object, context.namespace);
    const checked = object as CheckedObject;
    for (const rule of rules) problems.push(...rule(checked, context).map((problem) => ({ object: label, ...problem })));
    const identity = objectIdentity(inNamespace);
    if (seen.has(identity)) problems.push({ object: label, rule: 'duplicate', message: 'is rendered more than once' });
    seen.add(identity);
    placed.push(inNamespace);
  });
  return { objects: placed, problems };
}

/** `Kind name`, as a person would look for the object; `document N` when it has neither. */
function describe(object: KubeObject, index: number): string {
  const { kind } = object;
  const name: unknown = (object.metadata as { name?: unknown } | undefined)?.name;
  return typeof kind === 'string' && kind && typeof name === 'string' && name ? `${kind} ${name}` : `document ${index + 1}`;
}

function shapeProblem(object: KubeObject): string | undefined {
  if (!isNonEmptyString(object.apiVersion) || !isNonEmptyString(object.kind)) return 'has no apiVersion or kind';
  const metadata = object.metadata as { name?: unknown; namespace?: unknown } | undefined;
  if (!isNonEmptyString(metadata?.name)) return 'has no metadata.name (generateName cannot be applied server-side)';
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') return 'has a metadata.namespace that is not a string';
  if (object.kind.endsWith('List') && 'items' in object) return 'is a List, whose items must be rendered as separate documents';
  return undefined;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function withNamespace(object: KubeObject, namespace: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace || namespace } };
}

function problem(rule: RenderRule, message: string): Omit<RenderProblem, 'object'>[] {
  return [{ rule, message }];
}

const scopeRule: Rule = (object, context) => {
  const { apiVersion, kind } = object;
  const namespaced = context.isNamespaced?.({ apiVersion, kind });
  if (context.clusterScopedKinds.has(kind) || namespaced === false) {
    return problem('clusterScoped', `is cluster-scoped, but a tenant's release may only create objects in namespace ${context.namespace}`);
  }
  if (context.isNamespaced && namespaced === undefined) {
    return problem(
      'unknownKind',
      `the cluster does not serve ${kind} in ${apiVersion}, so it cannot be shown to stay in namespace ${context.namespace}`,
    );
  }
  return [];
};

const namespaceRule: Rule = (object, context) => {
  const { namespace } = object.metadata;
  if (!namespace || namespace === context.namespace) return [];
  return problem(
    'foreignNamespace',
    `is in namespace ${namespace}, but a tenant's release may only create objects in namespace ${context.namespace}`,
  );
};

interface RoleBindingSubject {
  kind?: unknown;
  name?: unknown;
  namespace?: unknown;
}

interface RoleBindingFields {
  roleRef?: { kind?: unknown; name?: unknown };
  subjects?: RoleBindingSubject[];
}

const roleBindingRule: Rule = (object, context) => {
  if (object.kind !== 'RoleBinding' || apiGroup(object.apiVersion) !== 'rbac.authorization.k8s.io') return [];
  const { roleRef, subjects } = object as RoleBindingFields;
  const problems: Omit<RenderProblem, 'object'>[] = [];
  if (roleRef?.kind === 'ClusterRole') {
    problems.push(
      ...problem(
        'clusterRoleReference',
        `binds ClusterRole ${String(roleRef.name)}, but a tenant's release may bind only Roles of its own namespace`,
      ),
    );
  }
  const listed = Array.isArray(subjects) ? subjects : [];
  for (const subject of listed) problems.push(...subjectProblem(subject ?? {}, context));
  return problems;
};

/** A ServiceAccount subject without a namespace means one in the binding's own namespace. */
function subjectProblem(subject: RoleBindingSubject, context: RuleContext): Omit<RenderProblem, 'object'>[] {
  const subjectNamespace = typeof subject.namespace === 'string' && subject.namespace ? subject.namespace : context.namespace;
  if (subject.kind === 'ServiceAccount' && subjectNamespace === context.namespace) return [];
  const where = subject.kind === 'ServiceAccount' ? ` of namespace ${subjectNamespace}` : '';
  return problem(
    'foreignSubject',
    `binds ${String(subject.kind)} ${String(subject.name)}${where}, but a tenant's release may bind only service accounts of namespace ${context.namespace}`,
  );
}

interface ServiceFields {
  spec?: { type?: unknown; externalIPs?: unknown };
}

const serviceRule: Rule = (object) => {
  if (object.kind !== 'Service' || object.apiVersion !== 'v1') return [];
  const { spec } = object as ServiceFields;
  const problems: Omit<RenderProblem, 'object'>[] = [];
  if (spec?.type === 'NodePort' || spec?.type === 'LoadBalancer') {
    problems.push(
      ...problem(
        'exposedService',
        `is of type ${spec.type}, which opens it outside the cluster network and around the tenant's NetworkPolicies (use ClusterIP)`,
      ),
    );
  }
  if (Array.isArray(spec?.externalIPs) && spec.externalIPs.length > 0) {
    problems.push(
      ...problem(
        'externalIPs',
        'sets spec.externalIPs, which would capture traffic for those addresses from every namespace (CVE-2020-8554)',
      ),
    );
  }
  return problems;
};

const networkPolicyRule: Rule = (object) => {
  if (object.kind !== 'NetworkPolicy' || apiGroup(object.apiVersion) !== 'networking.k8s.io') return [];
  return problem(
    'networkPolicy',
    "is a NetworkPolicy, but a tenant's NetworkPolicies are Bulkhead's alone: a chart's allow rule would open what default-deny closes",
  );
};

const rules: readonly Rule[] = [scopeRule, namespaceRule, roleBindingRule, serviceRule, networkPolicyRule];
