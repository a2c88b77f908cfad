/**
 * SCRAM-SHA-256 verifiers as PostgreSQL stores them in pg_authid.rolpassword (RFC 5802/7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64 parts. The provider computes
 * them here for two reasons: to tell whether a role already accepts a password without logging in
 * or writing anything (so a steady-state reconcile issues no ALTER ROLE), and to set a password by
 * sending its verifier, so the password itself never reaches the server, its logs or
 * pg_stat_statements.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** PostgreSQL's default scram_iterations. */
export const defaultScramIterations = 4096;
const saltBytes = 16;
const verifierPattern = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

interface ScramKeys {
  storedKey: Buffer;
  serverKey: Buffer;
}

function deriveKeys(password: string, salt: Buffer, iterations: number): ScramKeys {
  // PostgreSQL runs SASLprep first; it leaves printable ASCII (all assertUsablePassword allows) unchanged.
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

/** A new verifier for `password` with a random salt, in the form PostgreSQL stores as is. */
export function scramVerifier(password: string, iterations = defaultScramIterations, salt = randomBytes(saltBytes)): string {
  const { storedKey, serverKey } = deriveKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Whether `password` is the one `verifier` was made from. False for anything that is not a SCRAM
 * verifier (NULL, an md5 hash), so such a role gets its password set again, now as SCRAM.
 */
export function verifierMatches(verifier: string | null | undefined, password: string): boolean {
  const parts = verifierPattern.exec(verifier ?? '');
  if (!parts) return false;
  const [, iterations, salt, storedKey, serverKey] = parts as unknown as [string, string, string, string, string];
  const derived = deriveKeys(password, Buffer.from(salt, 'base64'), Number(iterations));
  const expectedStored = Buffer.from(storedKey, 'base64');
  const expectedServer = Buffer.from(serverKey, 'base64');
  return (
    expectedStored.length === derived.storedKey.length &&
    expectedServer.length === derived.serverKey.length &&
    timingSafeEqual(expectedStored, derived.storedKey) &&
    timingSafeEqual(expectedServer, derived.serverKey)
  );
}
