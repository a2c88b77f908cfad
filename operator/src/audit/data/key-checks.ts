/**
 * Judging a tenant's KMS key from what KMS said about it: it exists and is Enabled, rotates, is
 * tagged with the tenant's name and UID, is what the tenant's alias leads to, is referred to by no
 * other tenant, and refuses to decrypt without the tenant's encryption context.
 */
import { tenantTagKey, tenantUidTagKey } from '../../providers/kms/index.js';
import type { ContextProbe, DecryptAttempt } from '../../providers/kms/key-inspection.js';
import { errored, failed, passed, type AuditCheck, type JsonValue } from '../model.js';
import type { AuditedTenant } from './model.js';

export interface KeyFacts {
  tenant: AuditedTenant & { rotationRequested: boolean };
  alias: string;
  /** status.encryption.keyId. */
  statusKeyId?: string;
  /** KMS_KEY_ID of the tenant's `<tenant>-encryption-key` ConfigMap, which the app uses. */
  configMapKeyId?: string;
  /** The key in status, as DescribeKey saw it; undefined when it does not exist. */
  key?: { keyId: string; state: string; deletionDate?: string };
  rotation?: boolean;
  tags?: Record<string, string>;
  /** The KeyId the alias leads to; undefined when the alias does not exist. */
  aliasTarget?: string;
  /** Every alias on the key in status. */
  aliasesOnKey?: string[];
  probe?: ContextProbe;
  /** The other tenant's name whose context the probe tried. */
  otherContextTenant?: string;
}

const check = (id: string, facts: KeyFacts, title: string) => ({ id, category: 'key' as const, tenant: facts.tenant.name, title });

/** The same reason for every check that needs the key when there is none. */
function keyMissing(base: ReturnType<typeof check>, facts: KeyFacts): AuditCheck {
  return errored({
    ...base,
    reason: 'KeyMissing',
    message: `tenant ${facts.tenant.name} has no key to check`,
    evidence: { statusKeyId: facts.statusKeyId ?? null },
  });
}

export function judgeKeyState(facts: KeyFacts): AuditCheck {
  const wanted = facts.tenant.suspended ? 'Disabled (the tenant is suspended)' : 'Enabled';
  const base = check('key.state', facts, `Tenant ${facts.tenant.name}'s key exists, is ${wanted} and is not pending deletion`);
  if (!facts.statusKeyId) return failed({ ...base, reason: 'KeyMissing', message: "the Tenant's status names no key", evidence: null });
  if (!facts.key)
    return failed({
      ...base,
      reason: 'KeyMissing',
      message: `key ${facts.statusKeyId} does not exist`,
      evidence: { keyId: facts.statusKeyId },
    });
  const evidence = { keyId: facts.key.keyId, state: facts.key.state, deletionDate: facts.key.deletionDate ?? null };
  if (facts.tenant.suspended) return judgeSuspendedKeyState(base, facts.key, evidence);
  if (facts.key.state === 'Enabled') return passed({ ...base, message: `key ${facts.key.keyId} is Enabled`, evidence });
  const reason = facts.key.state.startsWith('Pending') && facts.key.state.includes('Deletion') ? 'KeyPendingDeletion' : 'KeyDisabled';
  return failed({ ...base, reason, message: `key ${facts.key.keyId} is ${facts.key.state}`, evidence });
}

/** A suspended tenant's key must be Disabled: an Enabled one is a suspension not in force. */
function judgeSuspendedKeyState(
  base: ReturnType<typeof check>,
  key: NonNullable<KeyFacts['key']>,
  evidence: Record<string, JsonValue>,
): AuditCheck {
  if (key.state === 'Disabled') return passed({ ...base, message: `key ${key.keyId} is Disabled while the tenant is suspended`, evidence });
  if (key.state === 'Enabled') {
    return failed({ ...base, reason: 'SuspendedKeyEnabled', message: `key ${key.keyId} of a suspended tenant is Enabled`, evidence });
  }
  return failed({ ...base, reason: 'KeyPendingDeletion', message: `key ${key.keyId} is ${key.state}`, evidence });
}

export function judgeRotation(facts: KeyFacts): AuditCheck {
  const base = check('key.rotation', facts, `Tenant ${facts.tenant.name}'s key material rotates`);
  if (!facts.key || facts.rotation === undefined) return keyMissing(base, facts);
  const evidence = { keyId: facts.key.keyId, rotation: facts.rotation, requestedBySpec: facts.tenant.rotationRequested };
  if (facts.rotation) return passed({ ...base, message: `rotation is on for key ${facts.key.keyId}`, evidence });
  const why = facts.tenant.rotationRequested ? '' : ' (spec.encryption.keyRotation turns it off)';
  return failed({ ...base, reason: 'KeyRotationOff', message: `rotation is off for key ${facts.key.keyId}${why}`, evidence });
}

export function judgeTags(facts: KeyFacts): AuditCheck {
  const base = check(
    'key.tags',
    facts,
    `Tenant ${facts.tenant.name}'s key is tagged ${tenantTagKey}=${facts.tenant.name} and ${tenantUidTagKey}=${facts.tenant.uid}`,
  );
  if (!facts.key || !facts.tags) return keyMissing(base, facts);
  const found = { [tenantTagKey]: facts.tags[tenantTagKey] ?? null, [tenantUidTagKey]: facts.tags[tenantUidTagKey] ?? null };
  const evidence = { keyId: facts.key.keyId, tags: found };
  if (found[tenantTagKey] === facts.tenant.name && found[tenantUidTagKey] === facts.tenant.uid) {
    return passed({ ...base, message: `key ${facts.key.keyId} carries the tenant's name and UID`, evidence });
  }
  return failed({
    ...base,
    reason: 'KeyTagsWrong',
    evidence,
    message: `key ${facts.key.keyId} is tagged ${tenantTagKey}=${String(found[tenantTagKey])}, ${tenantUidTagKey}=${String(found[tenantUidTagKey])}`,
  });
}

export function judgeAlias(facts: KeyFacts): AuditCheck {
  const base = check('key.alias', facts, `Alias ${facts.alias} leads to tenant ${facts.tenant.name}'s key and to no other`);
  const evidence = {
    alias: facts.alias,
    aliasTarget: facts.aliasTarget ?? null,
    statusKeyId: facts.statusKeyId ?? null,
    aliasesOnKey: facts.aliasesOnKey ?? [],
  };
  if (facts.aliasTarget === undefined)
    return failed({ ...base, reason: 'AliasMissing', message: `alias ${facts.alias} does not exist`, evidence });
  if (facts.aliasTarget !== facts.statusKeyId) {
    return failed({
      ...base,
      reason: 'AliasPointsElsewhere',
      evidence,
      message: `alias ${facts.alias} leads to key ${facts.aliasTarget}, not to the tenant's key ${facts.statusKeyId ?? '(none)'}`,
    });
  }
  const foreign = (facts.aliasesOnKey ?? []).filter((alias) => alias !== facts.alias);
  if (foreign.length > 0) {
    return failed({
      ...base,
      reason: 'KeyHasOtherAliases',
      evidence,
      message: `key ${facts.aliasTarget} is also reachable as ${foreign.join(', ')}`,
    });
  }
  return passed({ ...base, message: `alias ${facts.alias} leads to key ${facts.aliasTarget}, its only alias`, evidence });
}

/** The keys a tenant uses: the one in its status, the one its alias leads to, and the one its app is told to use. */
export function keysOf(facts: KeyFacts): Set<string> {
  return new Set([facts.statusKeyId, facts.aliasTarget, facts.configMapKeyId].filter((key): key is string => key !== undefined));
}

/**
 * Every tenant's keys by key, made once per fleet (indexKeyFacts): each tenant's check built every
 * other tenant's key set to look for its own, tenants² sets at a thousand (docs/decisions/0060).
 * Where each key appears: the tenant's position, then the key's among that tenant's keys.
 */
export interface FleetKeys {
  readonly everyone: readonly KeyFacts[];
  readonly uses: ReadonlyMap<string, readonly { position: number; order: number }[]>;
}

/** The fleet's facts with their index, made after KMS was asked and judged from as they were then. */
export function indexKeyFacts(everyone: readonly KeyFacts[]): FleetKeys {
  const fleet = [...everyone];
  const uses = new Map<string, { position: number; order: number }[]>();
  fleet.forEach((other, position) => {
    [...keysOf(other)].forEach((key, order) => {
      const entries = uses.get(key) ?? [];
      if (entries.length === 0) uses.set(key, entries);
      entries.push({ position, order });
    });
  });
  return { everyone: fleet, uses };
}

/** The other tenants' uses of the tenant's keys, in the order of everyone and of each one's keys. */
function sharingOf(facts: KeyFacts, mine: ReadonlySet<string>, { everyone, uses }: FleetKeys): { tenant: string; keyId: string }[] {
  return [...mine]
    .flatMap((key) => (uses.get(key) ?? []).map((use) => ({ ...use, key })))
    .filter(({ position }) => everyone[position]?.tenant.name !== facts.tenant.name)
    .sort((a, b) => a.position - b.position || a.order - b.order)
    .map(({ position, key }) => ({ tenant: everyone[position]?.tenant.name ?? '', keyId: key }));
}

/** `everyone` as indexKeyFacts made it once for the run, or an array indexed for this call alone. */
export function judgeExclusive(facts: KeyFacts, everyone: readonly KeyFacts[] | FleetKeys): AuditCheck {
  const base = check('key.exclusive', facts, `No other tenant uses tenant ${facts.tenant.name}'s key`);
  const mine = keysOf(facts);
  const sharing = sharingOf(facts, mine, 'uses' in everyone ? everyone : indexKeyFacts(everyone));
  const evidence = { keys: [...mine].sort(), sharedWith: sharing };
  if (sharing.length === 0)
    return passed({
      ...base,
      message: `no other tenant's status, alias or ConfigMap leads to ${[...mine].join(', ') || 'its key'}`,
      evidence,
    });
  return failed({
    ...base,
    reason: 'KeySharedWithTenant',
    evidence,
    message: sharing.map((entry) => `key ${entry.keyId} is also tenant ${entry.tenant}'s`).join('; '),
  });
}

/** The decryptions that should have been refused and were not. */
function contextLeaks(probe: ContextProbe, otherTenant: string | undefined): string[] {
  const attempts: [string, DecryptAttempt | undefined][] = [
    ['without a context', probe.withoutContext],
    [`with tenant=${otherTenant ?? '?'}`, probe.otherContext],
  ];
  return attempts.filter(([, attempt]) => attempt?.outcome !== 'refused').map(([label]) => label);
}

function probeEvidence(probe: ContextProbe): JsonValue {
  const attempt = (value: DecryptAttempt | undefined): JsonValue => (value ? { outcome: value.outcome, error: value.error ?? null } : null);
  return {
    encryptRefused: probe.encryptRefused ?? null,
    sameContext: attempt(probe.sameContext),
    withoutContext: attempt(probe.withoutContext),
    otherContext: attempt(probe.otherContext),
  };
}

/**
 * Against real KMS the key policy lets only the tenant's principal use the key, so the audit's own
 * identity is refused. That refusal is the policy at work (the auditor, like any other tenant, is
 * kept out); the context condition for the tenant's principal is then asserted by key.policy. Any
 * other refusal means the probe could not be carried out.
 */
function judgeRefusedProbe(base: ReturnType<typeof check>, refusal: string, evidence: Record<string, JsonValue>): AuditCheck {
  if (refusal === 'AccessDeniedException') {
    return passed({
      ...base,
      evidence: { ...evidence, exercised: 'refused-to-auditor' },
      message:
        "KMS refused the audit's own Encrypt (AccessDeniedException): the key policy keeps principals other than the tenant's out; the tenant principal's context condition is checked on the policy document (key.policy)",
    });
  }
  return errored({
    ...base,
    reason: 'EncryptionProbeRefused',
    evidence: { ...evidence, exercised: false },
    message: `KMS refused the audit's Encrypt (${refusal}), so the context requirement could not be exercised; see the key.policy check`,
  });
}

/**
 * Why no probe ran: no key, or a key that is not Enabled. A suspended tenant's disabled key needs
 * no probe: KMS uses it for nothing.
 */
function unprobed(base: ReturnType<typeof check>, facts: KeyFacts): AuditCheck {
  if (facts.key?.state !== 'Disabled' || !facts.tenant.suspended) return keyMissing(base, facts);
  const { keyId } = facts.key;
  return passed({
    ...base,
    evidence: { keyId, exercised: false },
    message: `key ${keyId} is disabled while the tenant is suspended: KMS encrypts and decrypts nothing with it, under any context; the policy's context condition is checked on the document (key.policy)`,
  });
}

export function judgeEncryptionContext(facts: KeyFacts): AuditCheck {
  const base = check(
    'key.encryption-context',
    facts,
    `Data encrypted under tenant ${facts.tenant.name}'s key decrypts only with encryption context tenant=${facts.tenant.name}`,
  );
  if (!facts.key || !facts.probe) return unprobed(base, facts);
  const { probe } = facts;
  const evidence = { keyId: facts.key.keyId, otherContextTenant: facts.otherContextTenant ?? null, probe: probeEvidence(probe) };
  if (probe.encryptRefused !== undefined) return judgeRefusedProbe(base, probe.encryptRefused, evidence);
  if (probe.sameContext?.outcome !== 'decrypted') {
    return errored({
      ...base,
      reason: 'ProbeNotDecrypted',
      evidence,
      message: `the probe did not decrypt even with its own context (${probe.sameContext?.error ?? 'no answer'})`,
    });
  }
  const leaks = contextLeaks(probe, facts.otherContextTenant);
  if (leaks.length > 0) {
    return failed({ ...base, reason: 'EncryptionContextNotRequired', evidence, message: `the probe decrypted ${leaks.join(' and ')}` });
  }
  return passed({
    ...base,
    evidence: { ...evidence, exercised: true },
    message: "the probe decrypted with the tenant's context and was refused without one and with another tenant's",
  });
}
