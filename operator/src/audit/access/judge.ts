/**
 * Turning the server's answers to the probes into checks (pure, so each rule is unit tested):
 * a review passes when it answers as expected; a dry-run write passes only when it is refused and
 * the refusal's message names the expected reason. A refusal for another reason, or an answer
 * that is no answer (throttled, server error, the audit may not impersonate), verifies nothing
 * and is an error, never a pass.
 */
import type { DryRunAnswer, Identity, ReviewAnswer } from '../../kube/access-review.js';
import { errored, failed, passed, type AuditCheck } from '../model.js';
import type { AdmissionProbe, ProbeWrite } from './admission-probes.js';
import type { ReviewProbe } from './review-probes.js';

export interface ProbeContext {
  tenant: string;
  /** The owner probed, e.g. `Group:acme-admins`. */
  owner: string;
  identity: Identity;
}

export function judgeReview(probe: ReviewProbe, answer: ReviewAnswer, context: ProbeContext): AuditCheck {
  const expected = probe.expectAllowed ? 'allowed' : 'denied';
  const fields = {
    id: `access.review.${probe.id}`,
    category: 'access' as const,
    tenant: context.tenant,
    title: `SubjectAccessReview: owner ${context.owner} is ${expected} to ${probe.question}`,
    evidence: {
      owner: context.owner,
      user: context.identity.user,
      groups: context.identity.groups,
      attributes: { ...probe.attributes },
      expected,
      answer: {
        allowed: answer.allowed,
        denied: answer.denied,
        reason: answer.reason,
        ...(answer.evaluationError ? { evaluationError: answer.evaluationError } : {}),
      },
    },
  };
  const said = answer.reason ? ` (${answer.reason})` : '';
  if (answer.allowed === probe.expectAllowed) return passed({ ...fields, message: `The server answered ${expected}${said}.` });
  const message = `Expected ${expected}, the server answered ${answer.allowed ? 'allowed' : 'denied'}${said}.`;
  return probe.expectAllowed
    ? errored({ ...fields, reason: probe.finding, message })
    : failed({ ...fields, reason: probe.finding, message });
}

/** Answers that say nothing about the guardrail: the request never reached admission as the owner. */
function unanswered(answer: Extract<DryRunAnswer, { accepted: false }>): string | undefined {
  if (/cannot impersonate/.test(answer.message)) return 'ImpersonationForbidden';
  if (answer.code === 401 || answer.code === 429 || answer.code >= 500) return 'ProbeFailed';
  return undefined;
}

function outcome(probe: AdmissionProbe, answer: DryRunAnswer): Pick<AuditCheck, 'result' | 'reason' | 'message'> {
  if (probe.expect === 'accepted') {
    return answer.accepted
      ? { result: 'pass', reason: 'Verified', message: 'The server accepted the compliant dry-run write.' }
      : {
          result: 'error',
          reason: unanswered(answer) ?? probe.finding,
          message: `The server refused a write it must accept: ${answer.message}`,
        };
  }
  if (answer.accepted)
    return { result: 'fail', reason: probe.finding, message: `The server accepted the dry-run write: the owner can ${probe.attempt}.` };
  const notReached = unanswered(answer);
  if (notReached) return { result: 'error', reason: notReached, message: answer.message };
  return probe.expect.every((pattern) => pattern.test(answer.message))
    ? { result: 'pass', reason: 'Verified', message: `Refused as expected: ${answer.message}` }
    : {
        result: 'error',
        reason: 'RefusedForAnotherReason',
        message: `Refused, but not for the expected reason (${probe.expect.map(String).join(' and ')}): ${answer.message}`,
      };
}

export function judgeAdmission(probe: AdmissionProbe, write: ProbeWrite, answer: DryRunAnswer, context: ProbeContext): AuditCheck {
  const { apiVersion = '', kind = '', metadata } = write.object;
  return {
    id: `access.admission.${probe.id}`,
    category: 'access',
    tenant: context.tenant,
    title: `Dry run as owner ${context.owner}: ${probe.attempt} is ${probe.expect === 'accepted' ? 'accepted' : 'refused for the expected reason'}`,
    ...outcome(probe, answer),
    evidence: {
      owner: context.owner,
      user: context.identity.user,
      groups: context.identity.groups,
      benchmark: probe.benchmark,
      request: {
        method: write.method,
        dryRun: 'All',
        apiVersion,
        kind,
        name: metadata.name,
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      },
      expected: probe.expect === 'accepted' ? 'accepted' : probe.expect.map((pattern) => pattern.source),
      answer: answer.accepted ? { accepted: true } : { accepted: false, code: answer.code, reason: answer.reason, message: answer.message },
    },
  };
}
