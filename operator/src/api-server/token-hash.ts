/**
 * API tokens: high-entropy random strings shown once, stored only as SHA-256 hashes. A fast hash
 * is enough here (unlike passwords) because the token has 256 bits of entropy: nothing to guess.
 * Comparison is constant-time so response timing reveals nothing about stored hashes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { roles } from './roles.js';

/** A recognisable prefix lets secret scanners find leaked tokens. */
export const tokenPrefix = 'bht_';

/** One token as stored under its name in the tokens Secret: never the token itself. */
export const TokenRecordSchema = z.strictObject({
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  role: z.enum(roles),
  created: z.iso.datetime({ offset: true }),
  /** Optional expiry; a token past it is refused. */
  expires: z.iso.datetime({ offset: true }).optional(),
});
export type TokenRecord = z.infer<typeof TokenRecordSchema>;

/** Token names are Secret data keys, and appear in logs and on Tenants as `token:<name>`. */
export const TokenNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

export function generateToken(): string {
  return `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** Whether `token` hashes to `storedHash`, in time independent of where they differ. */
export function tokenMatches(token: string, storedHash: string): boolean {
  return hashMatches(Buffer.from(hashToken(token)), storedHash);
}

function hashMatches(actual: Buffer, storedHash: string): boolean {
  const expected = Buffer.from(storedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Finds the record a presented token belongs to; checks every record so timing does not depend on which. */
export function findToken(
  token: string,
  records: ReadonlyMap<string, TokenRecord>,
  now: Date,
): { name: string; record: TokenRecord } | undefined {
  let found: { name: string; record: TokenRecord } | undefined;
  // Hashed once, not once per record: the comparisons stay constant-time and all of them still run.
  const actual = Buffer.from(hashToken(token));
  for (const [name, record] of records) {
    if (hashMatches(actual, record.hash) && !found) found = { name, record };
  }
  if (found?.record.expires && Date.parse(found.record.expires) <= now.getTime()) return undefined;
  return found;
}
