/**
 * Judging a tenant key's policy document: the tenant's principal may use the key only under the
 * encryption context `tenant=<name>`; the operator's backup identity, when backups are on, may only
 * generate and open data keys under `tenant=<name>` with `purpose=backup` (decision 0045); no
 * statement lets anyone else use it (or use it without that context). This is asserted on the
 * document: the audit does not act as either principal, and the KMS emulator of the tests does not
 * evaluate key policies at all.
 */
import { backupPurpose, encryptionContextKey, purposeContextKey } from '../../providers/kms/index.js';
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

/** Whether the statement's condition pins the encryption context key `contextKey` to exactly `value`. */
function requiresContext(statement: Statement, value: string, contextKey = encryptionContextKey): boolean {
  const wanted = `kms:encryptioncontext:${contextKey}`;
  for (const [operator, conditions] of Object.entries(statement.Condition ?? {})) {
    if (operator !== 'StringEquals') continue;
    for (const [key, given] of Object.entries(conditions)) {
      const values = list(given);
      if (key.toLowerCase() === wanted && values.length === 1 && values[0] === value) return true;
    }
  }
  return false;
}

/** Exactly GenerateDataKey and Decrypt (no pattern, no NotAction), under the tenant's backup context. */
function backupOnly(statement: Statement, tenant: string): boolean {
  if (statement.NotAction !== undefined) return false;
  const actions = list(statement.Action).map((action) => String(action).toLowerCase());
  const allowed = ['kms:generatedatakey', 'kms:decrypt'];
  return (
    actions.every((action) => allowed.includes(action)) &&
    requiresContext(statement, tenant) &&
    requiresContext(statement, backupPurpose, purposeContextKey)
  );
}

function parseStatements(document: string | undefined): Statement[] | undefined {
  try {
    const parsed = JSON.parse(document ?? '') as { Statement?: unknown };
    return list(parsed.Statement) as Statement[];
  } catch {
    return undefined;
  }
}

/** Who may use a tenant's key: its workload identity, and the operator's identity for backups when they are on. */
export interface KeyPrincipals {
  tenant: string;
  backup?: string;
}

const sids = (statements: Statement[]): string => statements.map((s) => s.Sid ?? '(no Sid)').join(', ');

function policyProblem(
  statements: Statement[],
  tenant: string,
  { tenant: principal, backup }: KeyPrincipals,
): { reason: string; text: string } | undefined {
  const usage = statements.filter(grantsUse);
  const known = (p: string): boolean => p === principal || (backup !== undefined && p === backup);
  const broad = usage.filter((s) => s.NotPrincipal !== undefined || principals(s).some((p) => !known(p)));
  if (broad.length > 0) {
    return { reason: 'KeyPolicyGrantsOthers', text: `statement(s) ${sids(broad)} let another principal use the key` };
  }
  // A statement naming the operator is judged as the operator's, even if it names the tenant too.
  const operators = backup === undefined ? [] : usage.filter((s) => principals(s).includes(backup));
  const tooBroad = operators.filter((s) => !backupOnly(s, tenant));
  if (tooBroad.length > 0) {
    return {
      reason: 'KeyPolicyOperatorUseTooBroad',
      text:
        `statement(s) ${sids(tooBroad)} let the operator (${backup}) do more than kms:GenerateDataKey and kms:Decrypt ` +
        `under ${encryptionContextKey}=${tenant} with ${purposeContextKey}=${backupPurpose}`,
    };
  }
  const tenants = usage.filter((s) => !operators.includes(s) && principals(s).includes(principal));
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

export function judgeKeyPolicy(tenant: string, who: KeyPrincipals, document: string | undefined): AuditCheck {
  const { tenant: principal, backup } = who;
  const operator = backup === undefined ? '' : `, and ${backup} only to seal and open backups (${purposeContextKey}=${backupPurpose})`;
  const base = {
    id: 'key.policy',
    category: 'key' as const,
    tenant,
    title: `The key policy lets only ${principal} use tenant ${tenant}'s key, and only with encryption context ${encryptionContextKey}=${tenant}${operator}`,
  };
  const statements = parseStatements(document);
  const evidence: JsonValue = {
    principal,
    ...(backup === undefined ? {} : { backupPrincipal: backup }),
    enforcement: policyEnforcementNote,
    policy: (statements ?? null) as JsonValue,
  };
  if (!statements)
    return failed({ ...base, reason: 'KeyPolicyUnreadable', message: 'the key policy is not a JSON policy document', evidence });
  const problem = policyProblem(statements, tenant, who);
  if (problem) return failed({ ...base, reason: problem.reason, message: problem.text, evidence });
  return passed({
    ...base,
    message: `only ${principal} may use the key, under ${encryptionContextKey}=${tenant}${operator}; ${policyEnforcementNote}`,
    evidence,
  });
}
