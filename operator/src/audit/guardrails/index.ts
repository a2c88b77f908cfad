/**
 * The guardrails part of `bulkhead audit`: per tenant, the namespace and its labels, Pod Security
 * admission at restricted with pinned versions, the plan's ResourceQuota (no NodePort or
 * LoadBalancer Service) and LimitRange, and a default ServiceAccount that mounts no token.
 */
export { auditGuardrails, type AuditPart, type GuardrailsAuditRequest } from './audit.js';
export { judgeNamespace, judgePodSecurity } from './namespace-checks.js';
export { judgeLimitRange, judgeQuota } from './quota-checks.js';
export { judgeDefaultServiceAccount } from './service-account-checks.js';
export { inputOf, inputsOf, uniqueInputs } from './inputs.js';
