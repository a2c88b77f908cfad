/**
 * The Access audit's only way to talk to kube-apiserver: list RBAC objects (every page), ask
 * SubjectAccessReviews, and send server-side dry-run writes while impersonating a probe identity.
 * Every write here carries dryRun=All, so the audit persists nothing and changes no quota usage;
 * admission (Pod Security, ResourceQuota, RBAC escalation checks) still runs and answers.
 */
import type { KubeObject } from '../runtime/types.js';
import { KubeApiError } from './errors.js';
import { ResourceTypes, resourcePath } from './resource-types.js';
import { loadClusterAccess } from './cluster-access.js';
import { Transport } from './transport.js';

export interface Identity {
  user: string;
  groups: string[];
}

/** authorization.k8s.io/v1 ResourceAttributes, or NonResourceAttributes when `path` is set. */
export interface ReviewAttributes {
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
}

export interface ReviewAnswer {
  allowed: boolean;
  denied: boolean;
  reason: string;
  evaluationError?: string;
}

/** What the server said to a dry-run write: accepted, or refused with its status and message. */
export type DryRunAnswer = { accepted: true } | { accepted: false; code: number; reason: string; message: string };

export interface DryRunWrite {
  /** POST creates `object`; PATCH merge-patches the object it names with `patch`. */
  method: 'POST' | 'PATCH';
  object: KubeObject;
  patch?: unknown;
  as: Identity;
}

const fieldManager = 'bulkhead-audit';

export class AccessReviewClient {
  private readonly types: ResourceTypes;

  constructor(private readonly transport: Transport) {
    this.types = new ResourceTypes(transport);
  }

  /** From a kubeconfig file, else ~/.kube/config, else the pod's ServiceAccount (cluster-access.ts). */
  static load(kubeconfigPath?: string): AccessReviewClient {
    return new AccessReviewClient(new Transport(loadClusterAccess(kubeconfigPath)));
  }

  /** Every object of a kind in all namespaces, page by page, each with apiVersion and kind set. */
  async listAll<T extends KubeObject>(apiVersion: string, kind: string): Promise<T[]> {
    const type = await this.types.resolve(apiVersion, kind);
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page = await this.transport.json<{ items: T[]; metadata: { continue?: string } }>({
        method: 'GET',
        path: resourcePath(type),
        query: { limit: 500, continue: next },
      });
      items.push(...page.items.map((item) => ({ ...item, apiVersion, kind })));
      next = page.metadata.continue || undefined;
    } while (next);
    return items;
  }

  async subjectAccessReview(subject: Identity, attributes: ReviewAttributes): Promise<ReviewAnswer> {
    const { path, ...resourceAttributes } = attributes;
    const spec = {
      user: subject.user,
      groups: subject.groups,
      ...(path === undefined ? { resourceAttributes } : { nonResourceAttributes: { path, verb: attributes.verb } }),
    };
    const review = await this.transport.json<{ status?: Partial<ReviewAnswer> }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    });
    const status = review.status ?? {};
    return {
      allowed: status.allowed ?? false,
      denied: status.denied ?? false,
      reason: status.reason ?? '',
      ...(status.evaluationError ? { evaluationError: status.evaluationError } : {}),
    };
  }

  /** A dry-run write as `write.as`; a refusal is an answer, not an error. */
  async dryRun(write: DryRunWrite): Promise<DryRunAnswer> {
    const { metadata } = write.object;
    const type = await this.types.resolve(write.object.apiVersion ?? '', write.object.kind ?? '');
    const patching = write.method === 'PATCH';
    try {
      await this.transport.json({
        method: write.method,
        path: resourcePath(type, metadata.namespace, patching ? metadata.name : undefined),
        query: { dryRun: 'All', fieldManager },
        body: patching ? write.patch : write.object,
        contentType: patching ? 'application/merge-patch+json' : undefined,
        impersonate: write.as,
      });
      return { accepted: true };
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.code === 0) throw error;
      return { accepted: false, code: error.code, reason: error.reason, message: error.status.message ?? error.message };
    }
  }

  close(): void {
    this.transport.close();
  }
}
