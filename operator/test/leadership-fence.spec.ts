/**
 * The leadership fence against the real servers. A leader freezes (SIGSTOP) just before it drops a
 * deleted tenant's database, and stays frozen past its lease; the standby takes over and finishes
 * the deletion; the old leader is resumed and carries on from where it stopped, before any of its
 * timers has told it that it lost the lease. PostgreSQL's statement log (log_statement=ddl, which
 * logs a statement before running it) shows that DROP DATABASE was sent exactly once.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import { teardownPausePoints } from '../src/providers/database/teardown.js';
import { pauseAtVariable } from '../src/runtime/crash-points.js';
import { adminQuery } from './providers/support/postgres.js';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { deleteTenant, readTenant, tenantManifest, waitForReady } from './support/tenants.js';

async function leaseHolder(kc: k8s.KubeConfig): Promise<string | undefined> {
  const lease = await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .readNamespacedLease({ namespace: 'bulkhead-system', name: 'bulkhead-operator' })
    .catch(() => undefined);
  return lease?.spec?.holderIdentity || undefined;
}

/** The process's state letter from /proc: T when stopped by a signal. */
function processState(pid: number | undefined): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** Every DDL statement PostgreSQL logged from byte `from` of its log on. */
function statementsLoggedSince(from: number): string[] {
  const log = readFileSync(testEnvironment().postgres.log).subarray(from).toString('utf8');
  return [...log.matchAll(/LOG:\s+statement: (.*)$/gm)].map((match) => match[1] ?? '');
}

describe('a leader frozen past its lease just before it drops a database', function () {
  let kc: k8s.KubeConfig;
  const running: OperatorProcess[] = [];

  before(async function () {
    kc = await prepareCluster();
    const [setting] = await adminQuery<{ log_statement: string }>('SHOW log_statement');
    assert.equal(setting?.log_statement, 'ddl', 'the test PostgreSQL must log DDL (testenv/src/postgres.ts); restart the environment');
  });

  after(async function () {
    for (const operator of running) if (operator.child.exitCode === null) operator.child.kill('SIGCONT');
    await Promise.all(running.map((operator) => operator.stop()));
  });

  it('wakes up after its successor dropped it, sends no second DROP DATABASE, and exits', async function () {
    this.timeout(300_000);
    const logStart = statSync(testEnvironment().postgres.log).size;
    const frozen = startOperator({}, { [pauseAtVariable]: teardownPausePoints.beforeDropDatabase });
    running.push(frozen);
    await eventually('the first operator to lead', async () => (await leaseHolder(kc)) === frozen.identity || undefined, 60_000);
    const standby = startOperator();
    running.push(standby);
    await standby.metricsUrl();

    await applyObjects(kc, [tenantManifest('fenced', { database: { deletionPolicy: 'Delete' } })]);
    await waitForReady(kc, 'fenced', 120_000);
    await deleteTenant(kc, 'fenced');
    await eventually(
      'the leader to freeze before dropping the database',
      () => Promise.resolve(processState(frozen.child.pid) === 'T' || undefined),
      120_000,
    );

    await eventually('the standby to take over', async () => (await leaseHolder(kc)) === standby.identity || undefined, 60_000);
    await eventually('the new leader to finish deleting the Tenant', () => isGone(() => readTenant(kc, 'fenced')), 120_000);
    assert.deepEqual(await adminQuery("SELECT 1 FROM pg_database WHERE datname = 'tenant_fenced'"), []);

    frozen.child.kill('SIGCONT');
    assert.equal(await frozen.exited, 1, 'the old leader should exit after losing its lease');
    const drops = statementsLoggedSince(logStart).filter((sql) => sql.startsWith('DROP DATABASE IF EXISTS "tenant_fenced"'));
    assert.equal(drops.length, 1, `DROP DATABASE was sent ${drops.length} times:\n${drops.join('\n')}`);
    // 'exit' may come before the last lines are read from the pipe.
    const refusal = await eventually(
      'the old leader to log the refusal',
      () => Promise.resolve(frozen.logs.find((l) => l.message === 'Refused a destructive act: leadership not confirmed')),
      10_000,
    );
    assert.match(String(refusal.act), /dropping the tenant database tenant_fenced/);
    assert.deepEqual(await adminQuery("SELECT 1 FROM pg_roles WHERE rolname = 'tenant_fenced'"), []);

    // Nothing duplicated and no error left behind: one record of each deletion, both by the new leader.
    const events = (
      await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=fenced' })
    ).items.filter((event) => event.type === 'Normal' && ['DatabaseDeleted', 'EncryptionKeyPendingDeletion'].includes(event.reason ?? ''));
    assert.deepEqual(events.map((event) => `${event.reason} by ${event.reportingInstance}`).sort(), [
      `DatabaseDeleted by ${standby.identity}`,
      `EncryptionKeyPendingDeletion by ${standby.identity}`,
    ]);
    assert.equal(await leaseHolder(kc), standby.identity);
  });
});
