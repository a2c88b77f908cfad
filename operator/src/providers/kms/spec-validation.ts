/**
 * Checks a TenantKeySpec and a pending window before any request is made, so a bad value fails
 * with one clear KeySpecInvalid instead of a KMS validation error half-way through.
 */
import { KeySpecInvalid } from './errors.js';
import type { TenantKeySpec } from './types.js';

/** KMS's alias rule, minus the alias/aws/ names AWS keeps for its own keys. */
const aliasPattern = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
export const minimumPendingWindowDays = 7;
export const maximumPendingWindowDays = 30;

export function assertValidKeySpec(spec: TenantKeySpec): void {
  if (spec.tenant.length === 0) throw new KeySpecInvalid('the tenant name must not be empty');
  if (spec.tenantUid.length === 0) throw new KeySpecInvalid(`tenant ${JSON.stringify(spec.tenant)} has no UID`);
  if (!aliasPattern.test(spec.alias) || spec.alias.startsWith('alias/aws/')) {
    throw new KeySpecInvalid(
      `the key alias ${JSON.stringify(spec.alias)} must be alias/ followed by letters, digits, '/', '_' or '-', and not under alias/aws/`,
    );
  }
  if (!spec.principal.startsWith('arn:')) throw new KeySpecInvalid(`the key principal ${JSON.stringify(spec.principal)} is not an ARN`);
}

export function assertValidPendingWindow(days: number): void {
  if (!Number.isInteger(days) || days < minimumPendingWindowDays || days > maximumPendingWindowDays) {
    throw new KeySpecInvalid(
      `the key deletion window must be a whole number of days from ${minimumPendingWindowDays} to ${maximumPendingWindowDays}, not ${days}`,
    );
  }
}
