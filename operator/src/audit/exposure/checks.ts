/**
 * One exposure check per tenant and class: pass when no object breaks the rule, fail naming every
 * offending object (the first few in the message, all of them in the evidence) and the rule, error
 * when the objects could not be listed. The reason is the gravest offence's, in the order the check
 * lists its reasons.
 */
import { errored, failed, passed, type AuditCheck, type CheckCategory, type JsonValue } from '../model.js';
import type { Listing, Offence, TenantExposure } from './model.js';

export interface CheckSpec {
  id: string;
  category: CheckCategory;
  title: (tenant: TenantExposure) => string;
  /** Reasons from gravest to least grave. */
  reasons: readonly string[];
  /** The message of a pass. */
  clean: string;
}

/** At most this many offences are named in the message; the evidence lists up to `listed`. */
const named = 3;
const listed = 50;

export function listingsError(listings: readonly Listing[]): string | undefined {
  const errors = listings.flatMap((listing) => ('error' in listing ? [listing.error] : []));
  return errors.length > 0 ? errors.join('; ') : undefined;
}

export interface Judgement {
  /** The listings the offences come from; any that failed makes the check an error. */
  listings: readonly Listing[];
  offences: () => Offence[];
  /** What the check judged against (domains, the plan's setting), for pass and fail alike. */
  evidence?: Record<string, JsonValue>;
}

export function exposureCheck(spec: CheckSpec, tenant: TenantExposure, { listings, offences, evidence = {} }: Judgement): AuditCheck {
  const fields = { id: spec.id, category: spec.category, tenant: tenant.name, title: spec.title(tenant) };
  const unreadable = listingsError(listings);
  if (unreadable !== undefined) {
    return errored({
      ...fields,
      reason: 'ObjectsUnreadable',
      message: `the objects this check judges could not be listed: ${unreadable}`,
      evidence: null,
    });
  }
  const found = offences();
  const examined = listings.reduce((sum, listing) => sum + ('items' in listing ? listing.items.length : 0), 0);
  if (found.length === 0) return passed({ ...fields, message: spec.clean, evidence: { ...evidence, examined } });
  const rank = (offence: Offence) => {
    const at = spec.reasons.indexOf(offence.reason);
    return at < 0 ? spec.reasons.length : at;
  };
  const sorted = [...found].sort((a, b) => rank(a) - rank(b));
  const first = sorted[0] as Offence;
  const more = sorted.length > named ? ` (and ${sorted.length - named} more)` : '';
  return failed({
    ...fields,
    reason: first.reason,
    message: `${sorted.slice(0, named).map(describe).join('; ')}${more}`,
    evidence: { ...evidence, examined, findings: sorted.length, offences: sorted.slice(0, listed).map((o) => ({ ...o })) },
  });
}

function describe(offence: Offence): string {
  return `${offence.object}: ${offence.detail} (${offence.rule})`;
}
