/**
 * Quoting for the few SQL statements that cannot take parameters (CREATE ROLE, CREATE DATABASE,
 * COMMENT ON, GRANT/REVOKE): every name and literal that goes into them passes through here. Names
 * are always double-quoted, never interpolated raw, so the provider is safe even with names that
 * admission would refuse.
 */
import { DatabaseSpecInvalid } from './errors.js';

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated, so two names could meet. */
export const maximumIdentifierBytes = 63;

/**
 * Throws DatabaseSpecInvalid unless `name` can name a role or database exactly as written: 1 to 63
 * bytes of UTF-8 and no NUL. Refusing instead of truncating keeps two tenants from sharing a name.
 */
export function assertValidIdentifier(name: string, what: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > maximumIdentifierBytes) {
    throw new DatabaseSpecInvalid(`${what} must be 1 to ${maximumIdentifierBytes} bytes of UTF-8, not ${bytes}`);
  }
  if (name.includes('\0')) throw new DatabaseSpecInvalid(`${what} must not contain a NUL character`);
  // A lone surrogate would be stored as U+FFFD, a different name than the one asked for.
  if (Buffer.from(name, 'utf8').toString('utf8') !== name) throw new DatabaseSpecInvalid(`${what} must be well-formed Unicode`);
}

/** A double-quoted SQL identifier: `a"b` becomes `"a""b"`. Validates the name first. */
export function quoteIdentifier(name: string, what = 'an identifier'): string {
  assertValidIdentifier(name, what);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A single-quoted SQL string literal. Backslashes are doubled under an E'' prefix, so the literal
 * means the same whether or not standard_conforming_strings is on (the same rule as pg's
 * escapeLiteral).
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new DatabaseSpecInvalid('a SQL string literal must not contain a NUL character');
  const quoted = `'${value.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`;
  return value.includes('\\') ? `E${quoted}` : quoted;
}
