/**
 * Fields someone else added to a guardrail. Server-side apply makes the operator own the fields it
 * sets and takes them back by force, but it never removes fields another manager added: an ingress
 * rule appended to `default-deny`, or a subject appended to `tenant-owners`, would survive every
 * repair while the live object still "contains" what the operator wants. For these kinds the live
 * object must hold nothing the operator did not ask for; when it does, the object is replaced.
 */
import { isSubset } from '../../kube/semantic.js';
import type { KubeObject } from '../../runtime/types.js';

type Fields = Record<string, unknown>;

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

const subjectKey = (subject: Subject): string => `${subject.kind ?? ''}/${subject.namespace ?? ''}/${subject.name ?? ''}`;

/** Kinds whose extra content would widen access, and how to tell that the live copy has some. */
const judges: Record<string, (desired: Fields, live: Fields) => boolean> = {
  // The builder writes every field of a policy's spec (no server defaults apply), so the live spec
  // must be a subset of the desired one too: anything more is someone else's rule.
  NetworkPolicy: (desired, live) => !isSubset(live.spec, desired.spec),
  // The API server defaults a subject's apiGroup, so compare who is bound, not the whole entries.
  RoleBinding: (desired, live) => {
    const wanted = new Set(((desired.subjects ?? []) as Subject[]).map(subjectKey));
    return ((live.subjects ?? []) as Subject[]).some((subject) => !wanted.has(subjectKey(subject)));
  },
};

/** Whether the live guardrail holds something the operator did not write into it. */
export function hasForeignAdditions(desired: KubeObject, live: KubeObject): boolean {
  const judge = judges[desired.kind ?? ''];
  return judge !== undefined && judge(desired as unknown as Fields, live as unknown as Fields);
}

/** The desired object as a full replacement of the live one: its metadata kept, its content the desired. */
export function replacementOf(desired: KubeObject, live: KubeObject): KubeObject {
  const { managedFields: _managedFields, ...metadata } = live.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return {
    ...desired,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, ...desired.metadata.labels },
      ownerReferences: desired.metadata.ownerReferences,
    },
  };
}
