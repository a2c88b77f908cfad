/**
 * One pass of the operator's periodic audit (operator-audit.ts): the whole fleet audited, the
 * report joined to the chain published before it and signed. Its code (the analysis, the report
 * signer, and pg and the KMS SDK under them) is loaded by the first pass, not when the operator
 * starts leading (docs/decisions/0065).
 */
import type { KeyObject } from 'node:crypto';
import type { OperatorConfig } from '../api/operator-config.js';
import type { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import type { PhaseMarks } from './cost.js';
import type { OperatorAuditOptions } from './operator-audit.js';
import type { AuditRunOutcome } from './periodic.js';
import { readPublishedReport, type PublishTarget } from './publish.js';
import { joinChain, type ChainJoin } from './operator-chain.js';
import { signReportFile, signRotation, type UnsignedReport } from './report/index.js';
import { runAudit, wireRequestFor, type WireRequest } from './run.js';
import { NoSigningKeyError, signingKeysFor } from './signing-key.js';
import { errorMessage } from '../runtime/errors.js';

export interface AuditPassOptions extends OperatorAuditOptions {
  where: PublishTarget;
  signed: boolean;
  addresses: PlatformAddressResolver;
}

/** The operator probes only tenant namespaces: it may run pods nowhere else (docs/decisions/0014). */
function wireRequest(config: OperatorConfig): { wire?: WireRequest } {
  return config.audit.probes.enabled ? { wire: wireRequestFor(config, []) } : {};
}

/** The pass the periodic audit runs, with the keys it has signed with kept from one pass to the next. */
export function createAuditPass(options: AuditPassOptions): (phases: PhaseMarks) => Promise<AuditRunOutcome> {
  const { client, config, logger, where, signed, addresses } = options;
  // The keys this process has signed with: if the Secret changes under it, the old one still signs
  // the hand-over (several, in case a publication failed after a change).
  const signedWith: KeyObject[] = [];
  return async (phases: PhaseMarks): Promise<AuditRunOutcome> => {
    const keys = signed ? await readKeys(options) : undefined;
    const join = keys
      ? joinChain(await readPublishedReport(client, where), keys.current, [...(keys.retiring ? [keys.retiring] : []), ...signedWith])
      : { previous: null };
    if (join.newChain) logger.warn('Starting a new audit report chain', { reason: join.newChain });
    const audit = await runAudit({
      client,
      config,
      logger,
      addresses,
      scope: { kind: 'all' },
      liveProbes: false,
      previous: join.previous,
      phases,
      ...wireRequest(config),
    });
    if (!keys) return { tenants: audit.tenants, checks: audit.checks };
    const { report, bytes } = await signReportFile(joined(audit.report, join, keys.current), keys.current);
    phases.mark('signed');
    if (join.rotateFrom) logger.info('Rotated the audit signing key', { from: report.rotation?.from.keyId, to: report.signature.keyId });
    remember(signedWith, keys.current);
    return { tenants: audit.tenants, checks: audit.checks, report: bytes };
  };
}

async function readKeys({ client, config }: OperatorAuditOptions): Promise<{ current: KeyObject; retiring?: KeyObject }> {
  return signingKeysFor(client, config).catch((error: unknown) => {
    throw error instanceof NoSigningKeyError ? error : new Error(`cannot read the signing key: ${errorMessage(error)}`, { cause: error });
  });
}

/** The last few distinct keys, newest first. */
function remember(keys: KeyObject[], key: KeyObject): void {
  if (keys[0]?.equals(key)) return;
  keys.unshift(key);
  keys.splice(3);
}

/** The report as it joins the chain: with the hand-over from the retiring key, or saying that a new chain starts. */
function joined(report: UnsignedReport, join: ChainJoin, current: KeyObject): UnsignedReport {
  if (join.rotateFrom) return { ...report, rotation: signRotation(join.rotateFrom, current, new Date(report.generatedAt)) };
  if (join.newChain) return { ...report, limitations: [...report.limitations, join.newChain] };
  return report;
}
