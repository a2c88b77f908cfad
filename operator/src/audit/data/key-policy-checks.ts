/**
 * Judging a tenant key's policy document: the tenant's principal may use the key only under the
 * encryption context `tenant=<name>`, and no statement lets anyone else use it (or use it without
 * that context). This is asserted on the document: the audit does not act as the tenant's
 * principal, and the KMS emulator of the tests does not evaluate key policies at all.
 */
import { encryptionContextKey } from '../../providers/kms/index.js';
import { failed, passed, type AuditCheck, type JsonValue } from '../model.js';

/** The actions that use a key (or hand its use to someone); admin actions are not among them. */
const usageActions = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:CreateGrant',
];

export const policyEnforcementNote =
  "key policy enforcement is asserted on the policy document, not exercised: the audit does not act as the tenant's principal, " +
  'and a KMS emulator such as moto does not evaluate key policies';

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

function principals(statement: Statement): string[] {
  const { Principal } = statement;
  if (Principal === '*') return ['*'];
  if (typeof Principal !== 'object' || Principal === null) return [];
  return Object.values(Principal as Record<string, unknown>)
    .flatMap(list)
    .map(String);
}

/** Whether an IAM action pattern (with `*` and `?`, case-insensitive) matches an action. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

function grantsUse(statement: Statement): boolean {
  if (statement.Effect !== 'Allow') return false;
  // NotAction allows everything it does not list: count it as use unless it lists every usage action.
  if (statement.NotAction !== undefined)
    return !usageActions.every((action) => list(statement.NotAction).some((p) => actionMatches(String(p), action)));
  return list(statement.Action).some((pattern) => usageActions.some((action) => actionMatches(String(pattern), action)));
}

/** Whether the statement's condition pins the encryption context key `tenant` to exactly the tenant's name. */
function requiresContext(statement: Statement, tenant: string): boolean {
  const wanted = `kms:encryptioncontext:${encryptionContextKey}`;
  for (const [operator, conditions] of Object.entries(statement.Condition ?? {})) {
    if (operator !== 'StringEquals') continue;
    for (const [key, value] of Object.entries(conditions)) {
      const values = list(value);
      if (key.toLowerCase() === wanted && values.length === 1 && values[0] === tenant) return true;
    }
  }
  return false;
}

function parseStatements(document: string | undefined): Statement[] | undefined {
  try {
    const parsed = JSON.parse(document ?? '') as { Statement?: unknown };
    return list(parsed.Statement) as Statement[];
  } catch {
    return undefined;
  }
}

function policyProblem(statements: Statement[], tenant: string, principal: string): { reason: string; text: string } | undefined {
  const usage = statements.filter(grantsUse);
  const tenants = usage.filter((s) => s.NotPrincipal === undefined && principals(s).includes(principal));
  const broad = usage.filter((s) => s.NotPrincipal !== undefined || principals(s).some((p) => p !== principal));
  if (broad.length > 0) {
    return {
      reason: 'KeyPolicyGrantsOthers',
      text: `statement(s) ${broad.map((s) => s.Sid ?? '(no Sid)').join(', ')} let another principal use the key`,
    };
  }
  if (tenants.length === 0) return { reason: 'KeyPolicyMissingTenantPrincipal', text: `no statement lets ${principal} use the key` };
  const loose = tenants.filter((s) => !requiresContext(s, tenant));
  if (loose.length > 0) {
    return {
      reason: 'EncryptionContextNotRequired',
      text: `statement(s) ${loose.map((s) => s.Sid ?? '(no Sid)').join(', ')} do not require encryption context ${encryptionContextKey}=${tenant}`,
    };
  }
  return undefined;
}

export function judgeKeyPolicy(tenant: string, principal: string, document: string | undefined): AuditCheck {
  const base = {
    id: 'key.policy',
    category: 'key' as const,
    tenant,
    title: `The key policy lets only ${principal} use tenant ${tenant}'s key, and only with encryption context ${encryptionContextKey}=${tenant}`,
  };
  const statements = parseStatements(document);
  const evidence: JsonValue = { principal, enforcement: policyEnforcementNote, policy: (statements ?? null) as JsonValue };
  if (!statements)
    return failed({ ...base, reason: 'KeyPolicyUnreadable', message: 'the key policy is not a JSON policy document', evidence });
  const problem = policyProblem(statements, tenant, principal);
  if (problem) return failed({ ...base, reason: problem.reason, message: problem.text, evidence });
  return passed({
    ...base,
    message: `only ${principal} may use the key, under ${encryptionContextKey}=${tenant}; ${policyEnforcementNote}`,
    evidence,
  });
}
