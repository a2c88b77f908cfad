/**
 * The live confirmation of the RBAC analysis: for each owner of a tenant, SubjectAccessReviews
 * and server-side dry-run writes as that owner. A Group owner is probed as the user
 * `probeUser` in that group (only the group's rights, plus system:authenticated); a User owner as
 * that user. Owners are probed one after another, each owner's requests together.
 */
import type { AccessReviewClient, Identity } from '../../kube/access-review.js';
import { errored, type AuditCheck } from '../model.js';
import type { ProbeTarget } from './admission-probes.js';
import type { TenantAccess } from './findings.js';
import { judgeAdmission, judgeReview, type ProbeContext } from './judge.js';
import type { NormalizedSubject } from './rbac-types.js';
import { reviewProbes } from './review-probes.js';
import { admissionProbesFor } from './suspended-owner.js';
import { authenticatedGroup, subjectKey } from './subjects.js';
import { errorMessage } from '../../runtime/errors.js';

export const defaultProbeUser = 'bulkhead-audit:probe';

/** Who the dry-run writes impersonate for an owner (kube-apiserver adds system:authenticated itself). */
export function impersonationFor(owner: NormalizedSubject, probeUser: string): Identity {
  return owner.kind === 'Group'
    ? { user: probeUser, groups: [owner.name] }
    : { user: owner.kind === 'User' ? owner.name : subjectKey(owner), groups: [] };
}

/** Who the reviews ask about: the same identity, with the group every authenticated request carries. */
export function reviewSubjectFor(owner: NormalizedSubject, probeUser: string): Identity {
  const identity = impersonationFor(owner, probeUser);
  return { user: identity.user, groups: [...identity.groups, authenticatedGroup] };
}

function failure(error: unknown, fields: { id: string; tenant: string; title: string; evidence: AuditCheck['evidence'] }): AuditCheck {
  return errored({ ...fields, category: 'access', reason: 'ProbeFailed', message: errorMessage(error) });
}

async function reviewsFor(
  client: AccessReviewClient,
  target: ProbeTarget,
  context: ProbeContext,
  subject: Identity,
): Promise<AuditCheck[]> {
  return Promise.all(
    reviewProbes(target).map(async (probe) => {
      try {
        return judgeReview(probe, await client.subjectAccessReview(subject, probe.attributes), context);
      } catch (error) {
        return failure(error, {
          id: `access.review.${probe.id}`,
          tenant: context.tenant,
          title: `SubjectAccessReview: ${probe.question}`,
          evidence: { owner: context.owner },
        });
      }
    }),
  );
}

async function writesFor(client: AccessReviewClient, target: ProbeTarget, context: ProbeContext): Promise<AuditCheck[]> {
  const planned = admissionProbesFor(target).flatMap((probe) => {
    const write = probe.build(target);
    return write ? [{ probe, write }] : [];
  });
  return Promise.all(
    planned.map(async ({ probe, write }) => {
      try {
        return judgeAdmission(probe, write, await client.dryRun({ ...write, as: context.identity }), context);
      } catch (error) {
        return failure(error, {
          id: `access.admission.${probe.id}`,
          tenant: context.tenant,
          title: `Dry run: ${probe.attempt}`,
          evidence: { owner: context.owner },
        });
      }
    }),
  );
}

/** Every live check for one tenant: per owner, the reviews and then the dry-run writes. */
export async function probeTenant(
  client: AccessReviewClient,
  tenant: TenantAccess,
  otherNamespace: string | undefined,
  probeUser: string,
): Promise<AuditCheck[]> {
  const target: ProbeTarget = {
    namespace: tenant.namespace,
    ...(otherNamespace ? { otherNamespace } : {}),
    ...(tenant.suspended ? { suspended: true } : {}),
  };
  const checks: AuditCheck[] = [];
  for (const owner of tenant.owners) {
    const context: ProbeContext = { tenant: tenant.name, owner: subjectKey(owner), identity: impersonationFor(owner, probeUser) };
    checks.push(...(await reviewsFor(client, target, context, reviewSubjectFor(owner, probeUser))));
    checks.push(...(await writesFor(client, target, context)));
  }
  return checks;
}
