/**
 * Where the operator's next report joins the chain of its published reports when the signing key
 * may have changed (docs/decisions/0034). Same key: onto the published report. A new key and the
 * operator still holds the one that signed the published report (the Secret's `previous.pem`, or
 * the key this process signed with before the Secret changed): onto it, with a rotation record
 * the old key signs. A new key and the old one gone: a new chain, and the report says so in its
 * limitations, since an auditor must not read the break as a removed report.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { digestOf, keyIdOf } from './report/index.js';
import { reportFormat, signatureSchema } from './report/schema.js';
import { parseMember, topLevelMembers } from './report/top-level-members.js';
import { errorMessage } from '../runtime/errors.js';

export interface ChainJoin {
  previous: { digest: string } | null;
  /** The retiring key: the next report records its hand-over to the current key. */
  rotateFrom?: KeyObject;
  /** Set when the chain cannot be continued: the sentence the next report adds to its limitations. */
  newChain?: string;
}

const keyIdOfPrivate = (key: KeyObject): string => keyIdOf(createPublicKey(key));

/** `published`: the report published last, as signed; `held`: the earlier keys the operator still has. */
export function joinChain(published: Buffer | undefined, current: KeyObject, held: readonly KeyObject[]): ChainJoin {
  if (published === undefined) return { previous: null };
  const digest = digestOf(published);
  let signer: string;
  try {
    signer = signerOf(published);
  } catch (error) {
    return {
      previous: null,
      newChain: `This report starts a new chain: the report published before it (${digest}) could not be read as a report (${errorMessage(error)}).`,
    };
  }
  if (signer === keyIdOfPrivate(current)) return { previous: { digest } };
  const retiring = held.find((key) => keyIdOfPrivate(key) === signer);
  if (retiring) return { previous: { digest }, rotateFrom: retiring };
  return {
    previous: null,
    newChain:
      `This report starts a new chain: the report published before it (${digest}) was signed by keyId ${signer}, ` +
      'which the operator no longer holds, so no rotation record links the two; verify the earlier reports with that key.',
  };
}

/**
 * The keyId that signed a published report, read from its `format` and `signature` members only:
 * the chain needs nothing else of it, and parsing and validating the whole report for them held
 * it several times over in the heap at a thousand tenants (top-level-members.ts). Whether the rest
 * verifies is the auditor's `audit verify`; the next report chains to the bytes' digest either way.
 */
function signerOf(published: Buffer): string {
  const notReport = (why: string): Error => new Error(`not a Bulkhead audit report: ${why}`);
  let members: Map<string, Uint8Array>;
  try {
    members = topLevelMembers(published, ['format', 'signature']);
  } catch (error) {
    throw notReport(errorMessage(error));
  }
  const format = members.get('format');
  if (format === undefined || parseMember(format) !== reportFormat) throw notReport(`format is not ${reportFormat}`);
  const signature = members.get('signature');
  if (signature === undefined) throw notReport('it has no signature');
  const parsed = signatureSchema.safeParse(parseMember(signature));
  if (!parsed.success) throw notReport(`signature: ${parsed.error.issues[0]?.message ?? 'not a report signature'}`);
  return parsed.data.keyId;
}
