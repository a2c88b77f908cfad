/**
 * Judging a tenant's namespace: it exists, carries Bulkhead's labels for the tenant, and enforces,
 * audits and warns at Pod Security `restricted`, each mode pinned to a version. An unpinned mode
 * (no `-version` label, or `latest`) follows the cluster: an upgrade could change what the tenant
 * may run without anyone deciding so.
 */
import {
  managedByLabel,
  managedByValue,
  podSecurityAuditLabel,
  podSecurityEnforceLabel,
  podSecurityLevel,
  podSecurityWarnLabel,
  tenantLabel,
} from '../../api/labels.js';
import type { KubeObject } from '../../runtime/types.js';
import { failed, passed, type AuditCheck, type JsonValue } from '../model.js';

const modes = [podSecurityEnforceLabel, podSecurityAuditLabel, podSecurityWarnLabel];

export interface NamespaceFacts {
  tenant: string;
  namespace: string;
  live: KubeObject | undefined;
  /** The operator configuration's podSecurityVersion. */
  podSecurityVersion: string;
}

export function judgeNamespace(facts: NamespaceFacts): AuditCheck {
  const base = {
    id: 'guardrails.namespace',
    category: 'guardrails' as const,
    tenant: facts.tenant,
    title: `Namespace ${facts.namespace} exists and is labelled as tenant ${facts.tenant}'s`,
  };
  if (!facts.live)
    return failed({ ...base, reason: 'NamespaceMissing', message: `namespace ${facts.namespace} does not exist`, evidence: null });
  const labels = facts.live.metadata.labels ?? {};
  const evidence = { labels: { [managedByLabel]: labels[managedByLabel] ?? null, [tenantLabel]: labels[tenantLabel] ?? null } };
  if (labels[managedByLabel] !== managedByValue || labels[tenantLabel] !== facts.tenant) {
    return failed({
      ...base,
      reason: 'NamespaceLabelsWrong',
      evidence,
      message: `namespace ${facts.namespace} should carry ${managedByLabel}=${managedByValue} and ${tenantLabel}=${facts.tenant}`,
    });
  }
  if (facts.live.metadata.deletionTimestamp) {
    return failed({ ...base, reason: 'NamespaceTerminating', evidence, message: `namespace ${facts.namespace} is being deleted` });
  }
  return passed({ ...base, message: `namespace ${facts.namespace} carries the tenant's labels`, evidence });
}

interface Problem {
  reason: string;
  text: string;
}

/** What is wrong with one Pod Security mode's pair of labels, if anything. */
function modeProblems(labels: Record<string, string>, mode: string, expectedVersion: string): Problem[] {
  const level = labels[mode];
  const version = labels[`${mode}-version`];
  const problems: Problem[] = [];
  if (level === undefined) problems.push({ reason: 'PodSecurityLabelMissing', text: `${mode} is missing` });
  else if (level !== podSecurityLevel)
    problems.push({ reason: 'PodSecurityLevelWeakened', text: `${mode} is ${level}, not ${podSecurityLevel}` });
  if (version === undefined || version === 'latest') {
    problems.push({ reason: 'PodSecurityVersionNotPinned', text: `${mode}-version is ${version ?? 'missing (so latest)'}` });
  } else if (version !== expectedVersion) {
    problems.push({ reason: 'PodSecurityVersionDiffers', text: `${mode}-version is ${version}, the operator pins ${expectedVersion}` });
  }
  return problems;
}

/** The order in which reasons name a finding: the first one found in this list wins. */
const severity = ['PodSecurityLabelMissing', 'PodSecurityLevelWeakened', 'PodSecurityVersionNotPinned', 'PodSecurityVersionDiffers'];

export function judgePodSecurity(facts: NamespaceFacts): AuditCheck {
  const base = {
    id: 'guardrails.pod-security',
    category: 'guardrails' as const,
    tenant: facts.tenant,
    title: `Namespace ${facts.namespace} enforces, audits and warns at Pod Security ${podSecurityLevel}, pinned to ${facts.podSecurityVersion}`,
  };
  if (!facts.live)
    return failed({ ...base, reason: 'NamespaceMissing', message: `namespace ${facts.namespace} does not exist`, evidence: null });
  const labels = facts.live.metadata.labels ?? {};
  const seen: Record<string, JsonValue> = {};
  for (const mode of modes) {
    seen[mode] = labels[mode] ?? null;
    seen[`${mode}-version`] = labels[`${mode}-version`] ?? null;
  }
  const problems = modes.flatMap((mode) => modeProblems(labels, mode, facts.podSecurityVersion));
  const evidence = { labels: seen, expectedVersion: facts.podSecurityVersion };
  if (problems.length === 0) {
    return passed({ ...base, message: `all three modes are ${podSecurityLevel} at ${facts.podSecurityVersion}`, evidence });
  }
  const reason = severity.find((candidate) => problems.some((p) => p.reason === candidate)) ?? 'PodSecurityLabelMissing';
  return failed({ ...base, reason, message: `namespace ${facts.namespace}: ${problems.map((p) => p.text).join('; ')}`, evidence });
}
