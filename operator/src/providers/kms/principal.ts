/**
 * The tenant's workload identity, the one principal allowed to use its key, from a configurable
 * template such as `arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}`.
 */
import { KeySpecInvalid } from './errors.js';

export const defaultPrincipalTemplate = 'arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}';

export interface PrincipalVariables {
  tenant: string;
  accountId: string;
  partition: string;
}

const placeholder = /\{(\w+)\}/g;
const arnPattern = /^arn:[a-z-]+:(iam|sts)::\d{12}:[^\s{}]+$/;

/** Fills the template; throws KeySpecInvalid for an unknown placeholder or a result that is not an IAM ARN. */
export function tenantPrincipal(template: string, variables: PrincipalVariables): string {
  const values: Record<string, string> = { ...variables };
  const principal = template.replace(placeholder, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new KeySpecInvalid(
        `the principal template ${JSON.stringify(template)} has an unknown placeholder ${whole}; use {tenant}, {accountId} or {partition}`,
      );
    }
    return value;
  });
  if (!arnPattern.test(principal)) {
    throw new KeySpecInvalid(
      `the principal template ${JSON.stringify(template)} gives ${JSON.stringify(principal)}, which is not an IAM ARN`,
    );
  }
  return principal;
}
