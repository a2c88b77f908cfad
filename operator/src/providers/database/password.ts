/**
 * Tenant database passwords: generated strong and URL-safe (they end up in connection URLs), and
 * checked before use so that a password the provider would mishandle is refused with a reason.
 */
import { randomBytes } from 'node:crypto';
import { DatabaseSpecInvalid } from './errors.js';

const passwordBytes = 32;
const minimumPasswordLength = 16;
const maximumPasswordLength = 1024;
/** Printable ASCII without space: SASLprep leaves it unchanged, so our SCRAM verifiers match the server's. */
const passwordPattern = /^[\x21-\x7e]+$/;

/** 32 random bytes as base64url: 43 characters, 256 bits, safe in URLs and environment variables. */
export function generatePassword(): string {
  return randomBytes(passwordBytes).toString('base64url');
}

/** Throws DatabaseSpecInvalid (without echoing the password) unless it is usable as a role password. */
export function assertUsablePassword(password: string): void {
  if (password.length < minimumPasswordLength || password.length > maximumPasswordLength) {
    throw new DatabaseSpecInvalid(
      `the database password must be ${minimumPasswordLength} to ${maximumPasswordLength} characters long, not ${password.length}`,
    );
  }
  if (!passwordPattern.test(password)) {
    throw new DatabaseSpecInvalid('the database password must consist of printable ASCII characters without spaces');
  }
}
