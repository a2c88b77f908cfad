import assert from 'node:assert/strict';
import { judgeMatrix, type MatrixTenant } from './database-matrix.js';
import type { DatabaseMatrixCell } from './model.js';

const tenants: MatrixTenant[] = ['a', 'b', 'c'].map((name) => ({
  name,
  uid: `u-${name}`,
  region: 'eu-central-1',
  database: `tenant_${name}`,
}));
const denied = { outcome: 'refused' as const, sqlState: '42501', message: 'permission denied for database' };

function cells(overrides: Partial<Record<string, Partial<DatabaseMatrixCell>>> = {}): DatabaseMatrixCell[] {
  return tenants.flatMap((from) =>
    tenants.map((to) => ({
      credentials: from.name,
      database: to.name,
      ...(from.name === to.name ? { outcome: 'allowed' as const } : denied),
      ...overrides[`${from.name}>${to.name}`],
    })),
  );
}

const byKey = (checks: ReturnType<typeof judgeMatrix>) =>
  Object.fromEntries(checks.map((c) => [`${c.tenant} ${c.id}`, `${c.result} ${c.reason}`]));

describe('the database login matrix', () => {
  it('passes when each tenant logs in to its own database only', () => {
    const checks = judgeMatrix(tenants, cells());
    assert.equal(checks.length, 6);
    assert.ok(checks.every((c) => c.result === 'pass'));
  });

  it('files a cross-tenant login under the tenant whose database was opened', () => {
    const result = byKey(judgeMatrix(tenants, cells({ 'a>b': { outcome: 'allowed', sqlState: undefined, message: undefined } })));
    assert.equal(result['b database.cross-tenant-login'], 'fail CrossTenantConnectionAllowed');
    assert.equal(result['a database.cross-tenant-login'], 'pass Verified');
  });

  it('calls refused own credentials a finding, and unanswered logins errors', () => {
    const result = byKey(
      judgeMatrix(
        tenants,
        cells({
          'a>a': { outcome: 'refused', sqlState: '28P01', message: 'password authentication failed' },
          'c>b': { outcome: 'unreachable', message: 'connect ECONNREFUSED' },
          'c>c': { outcome: 'unavailable', message: 'Secret tenant-c/c-database does not exist' },
        }),
      ),
    );
    assert.equal(result['a database.own-login'], 'fail OwnCredentialsRefused');
    assert.equal(result['b database.cross-tenant-login'], 'error DatabaseUnreachable');
    assert.equal(result['c database.own-login'], 'error CredentialsUnavailable');
  });

  it('judges only the logins that were tried, and says so when they were a sample', () => {
    const tried = cells().filter((cell) => !(cell.credentials === 'c' && cell.database === 'a'));
    const checks = judgeMatrix(tenants, tried, true);
    const cross = checks.find((check) => check.tenant === 'a' && check.id === 'database.cross-tenant-login');
    assert.equal(cross?.result, 'pass');
    assert.deepEqual(
      (cross?.evidence as { credentials: string }[]).map((cell) => cell.credentials),
      ['b'],
    );
    assert.match(cross?.title ?? '', /1 other tenants sampled of 2/);
    assert.match(cross?.message ?? '', /a sample of the 2 on the server/);
  });

  it('lets an allowed login outweigh an unanswered one', () => {
    const result = byKey(judgeMatrix(tenants, cells({ 'a>c': { outcome: 'allowed' }, 'b>c': { outcome: 'unreachable' } })));
    assert.equal(result['c database.cross-tenant-login'], 'fail CrossTenantConnectionAllowed');
  });

  it('passes a suspended tenant whose own credentials are refused, and fails one whose role still logs in', () => {
    const suspended = tenants.map((t) => (t.name === 'a' ? { ...t, suspended: true } : t));
    const noLogin = { outcome: 'refused' as const, sqlState: '28000', message: 'role "tenant_a" is not permitted to log in' };
    const refusedOwn = byKey(judgeMatrix(suspended, cells({ 'a>a': noLogin, 'a>b': noLogin, 'a>c': noLogin })));
    assert.equal(refusedOwn['a database.own-login'], 'pass Verified');
    assert.equal(refusedOwn['a database.cross-tenant-login'], 'pass Verified');
    assert.equal(byKey(judgeMatrix(suspended, cells()))['a database.own-login'], 'fail SuspendedRoleCanLogIn');
    assert.equal(byKey(judgeMatrix(tenants, cells({ 'a>a': noLogin })))['a database.own-login'], 'fail OwnCredentialsRefused');
  });
});
