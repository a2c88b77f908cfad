/**
 * Flag parsers and request helpers shared by the audit subcommands (audit-commands.ts,
 * audit-period-command.ts).
 */
import { InvalidArgumentError } from 'commander';

/** Only the fields that were given: a request never holds `key: undefined`. */
export function given<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

/** A repeatable flag's values, in order. */
export const repeated = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** A keyId: 64 hex digits, lowercased. */
export function keyId(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value))
    throw new InvalidArgumentError(`--key-id ${value}: expected 64 hex digits (the SHA-256 of the public key)`);
  return value.toLowerCase();
}

/** A repeatable --key-id. */
export const repeatedKeyId = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), keyId(value)];
