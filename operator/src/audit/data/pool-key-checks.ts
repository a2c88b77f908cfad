/**
 * Judging a pooled-key tenant (docs/decisions/0049) from what KMS said about its region's pool key:
 * the key's policy is exactly Bulkhead's (no statement lets anyone use it), the grants on it admit
 * the tenant's principal under the tenant's own encryption context and admit nobody else to that
 * context, and the tenant's real data key opens with its context and not with another's.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  isTenantGrant,
  tenantEncryptionContext,
  tenantGrantName,
  type DataKeyProbe,
  type PoolGrant,
} from '../../providers/kms/pool/index.js';
import { errored, failed, passed, type AuditCheck, type JsonValue } from '../model.js';

export interface PoolKeyTenant {
  name: string;
  uid: string;
  /** The tenant's workload identity, which its grant names. */
  principal: string;
}

export interface PoolKeyFacts {
  tenant: PoolKeyTenant;
  region: string;
  /** The pool key's id; undefined when the region has none. */
  poolKeyId?: string;
  /** Every grant on the pool key: as indexPoolGrants made it once for the region, or a list indexed for this call alone. */
  grants: readonly PoolGrant[] | IndexedPoolGrants;
}

const check = (id: string, tenant: string, title: string) => ({ id, category: 'key' as const, tenant, title });

/** Whether a grant lets its grantee open ciphertext made under `context`. */
export function grantReaches(grant: PoolGrant, context: Record<string, string>): boolean {
  if (grant.contextEquals !== undefined) return isDeepStrictEqual(grant.contextEquals, context);
  if (grant.contextSubset !== undefined) return Object.entries(grant.contextSubset).every(([key, value]) => context[key] === value);
  return true;
}

/**
 * The pool key's grants by name, by grantee and by the context they are constrained to, made once
 * per listing of the grants (indexPoolGrants): each tenant's check scanned every grant three times,
 * tenants × grants (docs/decisions/0060). A grant whose constraint is not one context of strings (a
 * subset, none, anything else) is compared with every tenant, as before.
 */
interface GrantIndex {
  byName: Map<string, number[]>;
  byPrincipal: Map<string, number[]>;
  byContext: Map<string, number[]>;
  everyContext: number[];
}

/** The grants as listed, with their index; positions are the list's. */
export interface IndexedPoolGrants {
  readonly grants: readonly PoolGrant[];
  readonly index: GrantIndex;
}

/** One spelling of a context of strings (isDeepStrictEqual ones get the same); undefined for anything else. */
function contextKey(context: unknown): string | undefined {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return undefined;
  const entries = Object.entries(context);
  if (!entries.every(([, value]) => typeof value === 'string')) return undefined;
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function file(map: Map<string, number[]>, key: string, position: number): void {
  const positions = map.get(key) ?? [];
  if (positions.length === 0) map.set(key, positions);
  positions.push(position);
}

/** Made once the grants are listed; the audit judges every pooled tenant of the region from it. */
export function indexPoolGrants(listed: readonly PoolGrant[]): IndexedPoolGrants {
  const grants = [...listed];
  const index: GrantIndex = { byName: new Map(), byPrincipal: new Map(), byContext: new Map(), everyContext: [] };
  grants.forEach((grant, position) => {
    file(index.byName, grant.name, position);
    file(index.byPrincipal, grant.granteePrincipal, position);
    const key = grant.contextEquals === undefined ? undefined : contextKey(grant.contextEquals);
    if (key === undefined) index.everyContext.push(position);
    else file(index.byContext, key, position);
  });
  return { grants, index };
}

/** The grants at these positions, in the grants' order, that pass the test. */
function pick(grants: readonly PoolGrant[], positions: readonly number[], test: (grant: PoolGrant) => boolean): PoolGrant[] {
  return [...new Set(positions)]
    .sort((a, b) => a - b)
    .map((position) => grants[position] as PoolGrant)
    .filter(test);
}

/** The tenant's own grants, the others reaching its context, and the others to its principal, as filters of every grant gave them. */
function tenantGrants(
  { grants, index }: IndexedPoolGrants,
  spec: { tenant: string; tenantUid: string; principal: string },
  context: Record<string, string>,
): { own: PoolGrant[]; foreign: PoolGrant[]; astray: PoolGrant[] } {
  const reaching = contextKey(context);
  const own = pick(grants, index.byName.get(tenantGrantName(spec.tenant, spec.tenantUid)) ?? [], (grant) => isTenantGrant(grant, spec));
  const candidates =
    reaching === undefined ? grants.map((_, position) => position) : [...(index.byContext.get(reaching) ?? []), ...index.everyContext];
  return {
    own,
    foreign: pick(grants, candidates, (grant) => !own.includes(grant) && grantReaches(grant, context)),
    astray: pick(
      grants,
      index.byPrincipal.get(spec.principal) ?? [],
      (grant) => !own.includes(grant) && grant.granteePrincipal === spec.principal,
    ),
  };
}

function grantEvidence(grant: PoolGrant): JsonValue {
  return {
    grantId: grant.grantId,
    name: grant.name,
    granteePrincipal: grant.granteePrincipal,
    operations: grant.operations,
    contextEquals: grant.contextEquals ?? null,
    contextSubset: grant.contextSubset ?? null,
  };
}

/**
 * `key.pool-grants`: the tenant's own grant is there in exactly its shape; no other grant reaches
 * its context (one without a constraint, or constrained to its context for someone else); and no
 * grant to its principal reaches another tenant's context.
 */
export function judgePoolGrants(facts: PoolKeyFacts): AuditCheck {
  const { tenant } = facts;
  const base = check(
    'key.pool-grants',
    tenant.name,
    `Only tenant ${tenant.name}'s principal may open its data key, and only under its own context`,
  );
  if (facts.poolKeyId === undefined) {
    return failed({
      ...base,
      reason: 'PoolKeyMissing',
      message: `region ${facts.region} has no pool key`,
      evidence: { region: facts.region },
    });
  }
  const context = tenantEncryptionContext(tenant.name);
  const spec = { tenant: tenant.name, tenantUid: tenant.uid, principal: tenant.principal };
  const listed = 'index' in facts.grants ? facts.grants : indexPoolGrants(facts.grants);
  const { own, foreign, astray } = tenantGrants(listed, spec, context);
  const evidence = {
    poolKeyId: facts.poolKeyId,
    expectedGrant: tenantGrantName(tenant.name, tenant.uid),
    context,
    ownGrants: own.map(grantEvidence),
    reachingGrants: foreign.map(grantEvidence),
    principalGrantsElsewhere: astray.map(grantEvidence),
  };
  const unconstrained = foreign.filter((grant) => grant.contextEquals === undefined);
  if (unconstrained.length > 0) {
    const names = unconstrained.map((grant) => grant.name || grant.grantId).join(', ');
    return failed({
      ...base,
      reason: 'PoolGrantUnconstrained',
      message: `grant ${names} on the pool key admits any context, so the tenant's too`,
      evidence,
    });
  }
  if (foreign.length > 0) {
    const who = foreign.map((grant) => `${grant.granteePrincipal} (${grant.name || grant.grantId})`).join(', ');
    return failed({
      ...base,
      reason: 'PoolGrantAdmitsOthers',
      message: `the pool key lets ${who} open data keys under tenant ${tenant.name}'s context`,
      evidence,
    });
  }
  if (astray.length > 0) {
    const names = astray
      .map((grant) => `${grant.name || grant.grantId} ${JSON.stringify(grant.contextEquals ?? grant.contextSubset ?? {})}`)
      .join(', ');
    return failed({
      ...base,
      reason: 'PoolGrantOtherContext',
      message: `tenant ${tenant.name}'s principal holds grant ${names}, not under its own context alone`,
      evidence,
    });
  }
  if (own.length === 0) {
    return failed({
      ...base,
      reason: 'PoolGrantMissing',
      message: `the pool key has no grant ${evidence.expectedGrant} of the expected shape`,
      evidence,
    });
  }
  return passed({
    ...base,
    message: `grant ${evidence.expectedGrant} admits ${tenant.principal} to Decrypt under ${JSON.stringify(context)} alone, and no other grant reaches that context`,
    evidence,
  });
}

/** `key.pool-policy`: the pool key's policy is Bulkhead's, word for word (the grants are what admit tenants). */
export function judgePoolPolicy(facts: {
  tenant: string;
  region: string;
  poolKeyId?: string;
  actual?: string;
  desired: string;
}): AuditCheck {
  const base = check('key.pool-policy', facts.tenant, `The policy of ${facts.region}'s pool key lets nobody use it, only grants do`);
  if (facts.poolKeyId === undefined || facts.actual === undefined) {
    return failed({
      ...base,
      reason: 'PoolKeyMissing',
      message: `region ${facts.region} has no pool key`,
      evidence: { region: facts.region },
    });
  }
  const sids = (policy: string): string[] => {
    try {
      return ((JSON.parse(policy) as { Statement?: { Sid?: string }[] }).Statement ?? []).map((statement) => statement.Sid ?? '(no Sid)');
    } catch {
      return ['(unreadable)'];
    }
  };
  const evidence = { poolKeyId: facts.poolKeyId, statements: sids(facts.actual), expected: sids(facts.desired) };
  let same = false;
  try {
    same = isDeepStrictEqual(JSON.parse(facts.actual), JSON.parse(facts.desired));
  } catch {
    same = false;
  }
  if (same) return passed({ ...base, message: `the pool key's policy is Bulkhead's: ${evidence.statements.join(', ')}`, evidence });
  return failed({
    ...base,
    reason: 'PoolKeyPolicyChanged',
    message: `the pool key's policy is not Bulkhead's (statements ${evidence.statements.join(', ')})`,
    evidence,
  });
}

/** `key.pool-encryption-context`: the tenant's own data key opens under its context, and not under another tenant's or none. */
export function judgePoolContextProbe(tenant: string, otherTenant: string | undefined, probe: DataKeyProbe | undefined): AuditCheck {
  const base = check('key.pool-encryption-context', tenant, `Tenant ${tenant}'s data key opens under its encryption context only`);
  if (probe === undefined)
    return errored({ ...base, reason: 'DataKeyMissing', message: `tenant ${tenant} has no wrapped data key to probe`, evidence: null });
  const evidence = { otherTenant: otherTenant ?? null, ...probe } as unknown as JsonValue;
  if (probe.sameContext.outcome !== 'decrypted') {
    return errored({
      ...base,
      reason: 'ProbeNotDecrypted',
      message: `the data key did not open under its own context (${probe.sameContext.error ?? 'refused'}), so the probe proves nothing`,
      evidence,
    });
  }
  const opened = [probe.withoutContext, probe.otherContext].filter((attempt) => attempt?.outcome === 'decrypted');
  if (opened.length > 0) {
    return failed({
      ...base,
      reason: 'EncryptionContextNotRequired',
      message: `the data key also opened without its context or under tenant ${otherTenant ?? '?'}'s`,
      evidence,
    });
  }
  return passed({
    ...base,
    message: `opened under ${JSON.stringify(tenantEncryptionContext(tenant))}; refused without a context and under tenant ${otherTenant ?? '(none tried)'}'s`,
    evidence,
  });
}
