/**
 * The wire against the analyzer: the probed matrix (per ordered pair of probed namespaces, the ports
 * predicted, the ports that connected, the ports with no answer), one `network.enforcement` check
 * per tenant, and the sentence that replaces "cannot prove enforcement" when every attempt was
 * measured. A disagreement is `EnforcementMismatch` with both verdicts; an attempt without an
 * answer makes the check an error (never a pass: decision 0018).
 */
import { errored, failed, passed, type AuditCheck, type JsonValue } from '../model.js';
import { formatPort, type Attempt, type Observation, type ProbedMatrix } from './model.js';
import { cellKey, type Prediction } from './predict.js';

/** At most this many disagreements or unknowns are listed per check; the counts are exact. */
const listed = 20;

const verdictWord = (allowed: boolean | undefined): string => (allowed === undefined ? 'unknown' : allowed ? 'connects' : 'refused');

export function isMismatch(attempt: Attempt, prediction: Prediction): boolean {
  const predicted = prediction.get(cellKey(attempt.from, attempt.to, attempt.port));
  return attempt.verdict !== 'unknown' && predicted !== undefined && predicted !== (attempt.verdict === 'connected');
}

/**
 * The attempts under each of their keys, in the attempts' order. The matrix took each pair's
 * attempts by a scan of all of them, pairs × attempts (both the square of the namespaces), and
 * each check its namespace's, namespaces × attempts (docs/decisions/0060).
 */
function grouped(attempts: readonly Attempt[], keysOf: (attempt: Attempt) => readonly string[]): Map<string, Attempt[]> {
  const groups = new Map<string, Attempt[]>();
  for (const attempt of attempts) {
    for (const key of new Set(keysOf(attempt))) {
      const group = groups.get(key) ?? [];
      if (group.length === 0) groups.set(key, group);
      group.push(attempt);
    }
  }
  return groups;
}

const pairKey = (from: string, to: string): string => `${from}\u0000${to}`;

export function probedMatrix(observation: Observation, prediction: Prediction): ProbedMatrix {
  const namespaces = observation.plan.sites.map((site) => site.namespace);
  const byPair = grouped(observation.attempts, (attempt) => [pairKey(attempt.from, attempt.to)]);
  const cells = namespaces.flatMap((from) =>
    namespaces.map((to) => {
      const here = byPair.get(pairKey(from, to)) ?? [];
      const ports = (keep: (attempt: Attempt) => boolean) =>
        here
          .filter(keep)
          .map((attempt) => formatPort(attempt.port))
          .sort();
      return {
        from,
        to,
        predicted: ports((attempt) => prediction.get(cellKey(from, to, attempt.port)) === true),
        observed: ports((attempt) => attempt.verdict === 'connected'),
        unknown: ports((attempt) => attempt.verdict === 'unknown'),
      };
    }),
  );
  return {
    startedAt: observation.startedAt,
    finishedAt: observation.finishedAt,
    namespaces,
    ports: observation.plan.ports.map(formatPort),
    cells,
  };
}

function describe(attempt: Attempt, prediction: Prediction): JsonValue {
  return {
    from: attempt.from,
    to: attempt.to,
    port: formatPort(attempt.port),
    predicted: verdictWord(prediction.get(cellKey(attempt.from, attempt.to, attempt.port))),
    observed: attempt.verdict === 'unknown' ? 'unknown' : attempt.verdict === 'connected' ? 'connects' : 'refused',
    ...(attempt.why ? { why: attempt.why } : {}),
  };
}

const sentence = (attempt: Attempt, prediction: Prediction): string =>
  `${attempt.from} → ${attempt.to} ${formatPort(attempt.port)}: the policies say ${verdictWord(prediction.get(cellKey(attempt.from, attempt.to, attempt.port)))}, the wire ${attempt.verdict === 'connected' ? 'connected' : 'refused'}`;

/** One check per probed tenant over every attempt from or to its namespace. */
export function enforcementChecks(observation: Observation, prediction: Prediction): AuditCheck[] {
  const byNamespace = grouped(observation.attempts, (attempt) => [attempt.from, attempt.to]);
  return observation.plan.sites.flatMap((site) => {
    if (!site.tenant) return [];
    const mine = byNamespace.get(site.namespace) ?? [];
    const mismatches = mine.filter((attempt) => isMismatch(attempt, prediction));
    const unknown = mine.filter((attempt) => attempt.verdict === 'unknown');
    const fields = {
      id: 'network.enforcement',
      category: 'network' as const,
      tenant: site.tenant.name,
      title: `Probe pods labelled as the app's, in ${site.namespace} and every other probed namespace, connect on the wire exactly where the NetworkPolicies allow.`,
    };
    const evidence = {
      startedAt: observation.startedAt,
      finishedAt: observation.finishedAt,
      ports: observation.plan.ports.map(formatPort),
      labels: site.labels,
      attempts: mine.length,
      connected: mine.filter((attempt) => attempt.verdict === 'connected').length,
      mismatches: mismatches.length,
      unknown: unknown.length,
      ...(mismatches.length > 0 ? { disagreements: mismatches.slice(0, listed).map((attempt) => describe(attempt, prediction)) } : {}),
      ...(unknown.length > 0 ? { unanswered: unknown.slice(0, listed).map((attempt) => describe(attempt, prediction)) } : {}),
    };
    if (mismatches.length > 0) {
      return [
        failed({
          ...fields,
          reason: 'EnforcementMismatch',
          evidence,
          message: `${mismatches.length} of ${mine.length} attempt(s) disagree with the NetworkPolicies, e.g. ${sentence(mismatches[0] as Attempt, prediction)}.`,
        }),
      ];
    }
    if (unknown.length > 0) {
      return [
        errored({
          ...fields,
          reason: 'ProbeInconclusive',
          evidence,
          message: `${unknown.length} of ${mine.length} attempt(s) gave no measured answer, e.g. ${(unknown[0] as Attempt).from} → ${(unknown[0] as Attempt).to}: ${(unknown[0] as Attempt).why ?? 'unknown'}.`,
        }),
      ];
    }
    return [
      passed({
        ...fields,
        evidence,
        message: `All ${mine.length} attempts agreed with the NetworkPolicies (${evidence.connected} connected where allowed, the rest refused).`,
      }),
    ];
  });
}

/**
 * What replaces "cannot prove enforcement" in the report's limitations, or null when some attempt
 * was not measured (the standard sentence then stays, and the checks say what is missing).
 */
export function measuredEnforcementLimitation(observation: Observation, prediction: Prediction): string | null {
  const { attempts, plan } = observation;
  if (attempts.length === 0 || attempts.some((attempt) => attempt.verdict === 'unknown')) return null;
  const mismatches = attempts.filter((attempt) => isMismatch(attempt, prediction)).length;
  const agreement =
    mismatches === 0
      ? 'every attempt agreed with the analysis'
      : `${mismatches} attempt(s) disagreed with the analysis (EnforcementMismatch)`;
  return (
    `Enforcement was measured between ${observation.startedAt} and ${observation.finishedAt}: probe pods labelled as each tenant's app ` +
    `pods, in ${plan.sites.length} namespaces, tried every ordered pair on ${plan.ports.map(formatPort).join(', ')} (${attempts.length} attempts, ` +
    `each with its namespace's own pair as a control), and ${agreement}. That shows what the network plugin enforced for those pods, ports and ` +
    'moment on the nodes they ran on; other labels, ports, UDP, other nodes and later changes are covered by the analysis alone.'
  );
}
