/**
 * The keys a verifier trusts while it walks a chain oldest first: the ones it was given (public
 * keys or keyIds, obtained from the signer), and every key a trusted key handed over to by a
 * rotation recorded in the chain (rotation.ts). A key that handed over is retired: a report it
 * signs after the hand-over is refused, so a retired key that leaks later cannot extend the chain.
 */
import type { KeyObject } from 'node:crypto';
import { keyRotationSchema, rotationProblem, type KeyRotation } from './rotation.js';
import type { SignedReport } from './schema.js';
import { keyIdOf, publicKeyFromDer } from './signing.js';
import { parseReport, verifyReport, type TrustedKey, type Verification } from './verify.js';
import { errorMessage } from '../../runtime/errors.js';

interface Trust {
  /** The key itself when known; otherwise the report's embedded key is used if it hashes to the keyId. */
  key?: KeyObject;
  /** How it came to be trusted: given, or handed over by a rotation. */
  via: { given: true } | { rotation: KeyRotation };
  retiredAt?: string;
}

/** A rotation the walk accepted, for the verdict and the period report. */
export interface AcceptedRotation {
  from: string;
  to: string;
  at: string;
}

export class ChainTrust {
  private readonly keys = new Map<string, Trust>();

  constructor(given: readonly TrustedKey[]) {
    for (const key of given) {
      const keyId = 'keyId' in key ? key.keyId.toLowerCase() : keyIdOf(key);
      this.keys.set(keyId, { ...('keyId' in key ? {} : { key }), via: { given: true } });
    }
  }

  /** The keyIds trusted so far, in the order they were admitted. */
  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Verifies one report (the next in time) and, when it carries a valid rotation from a trusted
   * key, admits the new key first: the report is then signed by a key the chain introduced.
   */
  verify(bytes: Uint8Array, parsed: SignedReport): Verification & { rotation?: AcceptedRotation } {
    const rotation = parsed.rotation ? this.rotationFor(parsed) : undefined;
    if (rotation !== undefined && 'problem' in rotation) return { ok: false, reason: rotation.problem };
    const signer = this.signerOf(parsed, rotation?.admit);
    if ('problem' in signer) return { ok: false, reason: signer.problem };
    const verification = verifyReport(bytes, signer.key ?? { keyId: parsed.signature.keyId });
    if (!verification.ok || rotation === undefined) return verification;
    this.keys.set(parsed.signature.keyId, rotation.admit);
    const retiring = this.keys.get(rotation.accepted.from);
    if (retiring) retiring.retiredAt = rotation.accepted.at;
    return { ...verification, rotation: rotation.accepted };
  }

  /** The trust in the report's signer: admitted by its own rotation, or earlier; refused when retired before the report. */
  private signerOf(report: SignedReport, admitted: Trust | undefined): Trust | { problem: string } {
    const signer = report.signature.keyId;
    const trust = admitted ?? this.keys.get(signer);
    if (trust === undefined) return { problem: `signed by an untrusted key: keyId ${signer}, trusted keyIds ${this.keyIds().join(', ')}` };
    if (trust.retiredAt !== undefined && report.generatedAt > trust.retiredAt)
      return { problem: `signed by keyId ${signer} after it was rotated out at ${trust.retiredAt}` };
    return trust;
  }

  /** The rotation in `report`, checked: the key it admits, or why it admits nothing. */
  private rotationFor(report: SignedReport): { admit: Trust; accepted: AcceptedRotation } | { problem: string } {
    const rotation = keyRotationSchema.parse(report.rotation);
    const { from, to, at } = rotation;
    if (to.keyId !== report.signature.keyId)
      return { problem: `its key rotation hands over to keyId ${to.keyId}, but the report is signed by keyId ${report.signature.keyId}` };
    const problem = rotationProblem(rotation);
    if (problem !== undefined) return { problem };
    const retiring = this.keys.get(from.keyId);
    if (retiring === undefined) return { problem: `its key rotation comes from keyId ${from.keyId}, which is not trusted` };
    if (retiring.retiredAt !== undefined && at > retiring.retiredAt)
      return { problem: `its key rotation comes from keyId ${from.keyId}, which was rotated out at ${retiring.retiredAt}` };
    if (at > report.generatedAt) return { problem: `its key rotation takes effect at ${at}, after the report was generated` };
    return { admit: { key: publicKeyFromDer(to.publicKey), via: { rotation } }, accepted: { from: from.keyId, to: to.keyId, at } };
  }
}

/** One report against a set of keys; a rotation it carries from a trusted key counts, as in a chain. */
export function verifyTrusted(bytes: Uint8Array, trusted: readonly TrustedKey[]): Verification {
  let parsed: SignedReport;
  try {
    parsed = parseReport(bytes);
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
  return new ChainTrust(trusted).verify(bytes, parsed);
}

/** The one of `trusted` that is the key `keyId` names; undefined when none is. */
export function trustedKeyFor(keyId: string, trusted: readonly TrustedKey[]): TrustedKey | undefined {
  return trusted.find((key) => ('keyId' in key ? key.keyId.toLowerCase() : keyIdOf(key)) === keyId);
}
