import assert from 'node:assert/strict';
import { ConditionType, Reason, tenantStepConditionTypes } from '../../api/conditions.js';
import { createLogger } from '../../runtime/logging.js';
import type { StepContext, StepOutcome } from './context.js';
import type { StepMetrics, StepResult } from './metrics.js';
import { nextAttempt, progressingRequeueMs, runSteps, StepsFailedError, type Checklist, type NamedStep } from './reconciler.js';

const outcome = (type: ConditionType, status: StepOutcome['status'], reason: Reason): StepOutcome => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
});
const waitingForNamespace = [ConditionType.NetworkIsolated, ConditionType.RbacReady, ConditionType.QuotaReady].map((type) =>
  outcome(type, 'False', Reason.DependenciesNotReady),
);

describe('the tenant reconcile’s next attempt', () => {
  it('looks again after a delay, not with failure backoff, while the namespace terminates and the other steps wait for it', () => {
    const terminating = [outcome(ConditionType.NamespaceReady, 'False', Reason.Progressing), ...waitingForNamespace];
    assert.deepEqual(nextAttempt(terminating), { requeueAfterMs: progressingRequeueMs });
  });

  it('retries with backoff when a step fails, naming only the failing step', () => {
    const conflict = [outcome(ConditionType.NamespaceReady, 'False', Reason.NamespaceConflict), ...waitingForNamespace];
    assert.throws(
      () => nextAttempt(conflict),
      (error: unknown) => error instanceof StepsFailedError && error.failures.map((f) => f.type).join() === ConditionType.NamespaceReady,
    );
  });

  it('asks for nothing more once every step is done', () => {
    const done = [ConditionType.NamespaceReady, ConditionType.NetworkIsolated].map((type) => outcome(type, 'True', Reason.Reconciled));
    assert.equal(nextAttempt(done), undefined);
  });
});

const ready = (type: ConditionType): StepOutcome => ({ type, status: 'True', reason: Reason.Reconciled, message: 'ok' });
const throttled = (retryAfterMs: number): StepOutcome => ({
  type: ConditionType.EncryptionKeyReady,
  status: 'False',
  reason: Reason.KeyProviderThrottled,
  message: 'KMS in eu-central-1 throttled CreateKey',
  retryAfterMs,
});

describe('the tenant reconcile’s next attempt with a paced provider', () => {
  it("comes back after the pacer's delay when the only failure is a throttled KMS region, not on the fast backoff", () => {
    assert.deepEqual(nextAttempt([ready(ConditionType.NamespaceReady), throttled(1_400), ready(ConditionType.AppDeployed)]), {
      requeueAfterMs: 1_400,
    });
  });

  it('never comes back sooner than 200 ms, even when the pacer has a turn at once', () => {
    assert.deepEqual(nextAttempt([throttled(0)]), { requeueAfterMs: 200 });
  });

  it('is left to the backoff when another step failed too', () => {
    const database: StepOutcome = {
      type: ConditionType.DatabaseReady,
      status: 'False',
      reason: Reason.DatabaseUnavailable,
      message: 'down',
    };
    assert.throws(() => nextAttempt([database, throttled(1_000)]), StepsFailedError);
  });

  it('is left to the backoff for a failure that says nothing of when to retry, and comes back in 2 s while progressing', () => {
    const unavailable: StepOutcome = {
      type: ConditionType.EncryptionKeyReady,
      status: 'False',
      reason: Reason.KeyProviderUnavailable,
      message: 'refused',
    };
    assert.throws(() => nextAttempt([unavailable]), StepsFailedError);
    const progressing: StepOutcome = {
      type: ConditionType.AppDeployed,
      status: 'False',
      reason: Reason.Progressing,
      message: 'rolling out',
    };
    assert.deepEqual(nextAttempt([ready(ConditionType.NamespaceReady), progressing]), { requeueAfterMs: progressingRequeueMs });
    assert.equal(nextAttempt([ready(ConditionType.NamespaceReady)]), undefined);
  });
});

describe('the tenant checklist (runSteps)', () => {
  const logger = createLogger({ silent: true });
  const context = { namespace: 'tenant-acme', logger } as unknown as StepContext;
  const step = (result: StepOutcome | Error, ran: ConditionType[], type: ConditionType): NamedStep => ({
    type,
    run: () => {
      ran.push(type);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
  });
  /** A checklist in the operator's order whose steps answer as `answers` says (ready when not said). */
  function checklist(ran: ConditionType[], answers: Partial<Record<ConditionType, StepOutcome | Error>> = {}): Checklist {
    const [first, ...rest] = tenantStepConditionTypes.map((type) => step(answers[type] ?? ready(type), ran, type));
    return [first!, ...rest];
  }
  const recorded = (): { observed: { step: ConditionType; result: StepResult }[]; metrics: StepMetrics } => {
    const observed: { step: ConditionType; result: StepResult }[] = [];
    return {
      observed,
      metrics: {
        observeStep: (step, result, seconds) => {
          assert.ok(seconds >= 0);
          observed.push({ step, result });
        },
      },
    };
  };

  it('runs every step in order and reports each one, the namespace first', async () => {
    const ran: ConditionType[] = [];
    const outcomes = await runSteps(context, checklist(ran));
    assert.deepEqual(ran, tenantStepConditionTypes);
    assert.deepEqual(
      outcomes.map((o) => [o.type, o.status]),
      tenantStepConditionTypes.map((type) => [type, 'True']),
    );
  });

  it('runs nothing else while the namespace is not ready: the others wait for it, untimed', async () => {
    const ran: ConditionType[] = [];
    const { observed, metrics } = recorded();
    const terminating = outcome(ConditionType.NamespaceReady, 'False', Reason.Progressing);
    const outcomes = await runSteps(context, checklist(ran, { [ConditionType.NamespaceReady]: terminating }), metrics);
    assert.deepEqual(ran, [ConditionType.NamespaceReady]);
    assert.equal(outcomes[0], terminating);
    for (const waiting of outcomes.slice(1)) {
      assert.equal(waiting.reason, Reason.DependenciesNotReady, waiting.type);
      assert.match(waiting.message, /waiting for namespace tenant-acme/);
    }
    assert.deepEqual(observed, [{ step: ConditionType.NamespaceReady, result: 'progressing' }]);
  });

  it('binds no owner and deploys no app while NetworkIsolated fails, and still runs quota, database and key', async () => {
    const ran: ConditionType[] = [];
    const refused = outcome(ConditionType.NetworkIsolated, 'False', Reason.EgressNotAllowed);
    const outcomes = await runSteps(context, checklist(ran, { [ConditionType.NetworkIsolated]: refused }));
    assert.deepEqual(ran, [
      ConditionType.NamespaceReady,
      ConditionType.NetworkIsolated,
      ConditionType.QuotaReady,
      ConditionType.DatabaseReady,
      ConditionType.EncryptionKeyReady,
    ]);
    for (const type of [ConditionType.RbacReady, ConditionType.AppDeployed]) {
      const gated = outcomes.find((o) => o.type === type);
      assert.equal(gated?.reason, Reason.DependenciesNotReady);
      assert.match(gated?.message ?? '', /waiting for NetworkIsolated \(EgressNotAllowed\)/);
    }
  });

  it("reports a step that throws as ApplyFailed with the error's message, for that step only, and goes on", async () => {
    const ran: ConditionType[] = [];
    const { observed, metrics } = recorded();
    const thrown = new Error(
      'PATCH /api/v1/namespaces/tenant-acme/resourcequotas/quota: the server is currently unable to handle the request',
    );
    const outcomes = await runSteps(context, checklist(ran, { [ConditionType.QuotaReady]: thrown }), metrics);
    assert.deepEqual(ran, tenantStepConditionTypes, 'the steps after it still ran');
    assert.deepEqual(
      outcomes.filter((o) => o.status !== 'True'),
      [{ type: ConditionType.QuotaReady, status: 'False', reason: Reason.ApplyFailed, message: thrown.message }],
    );
    assert.deepEqual(
      observed.filter((o) => o.result !== 'success'),
      [{ step: ConditionType.QuotaReady, result: 'error' }],
    );
    assert.equal(observed.length, tenantStepConditionTypes.length, 'every step that ran is timed');
  });

  it("keeps a step's own failure reason rather than ApplyFailed", async () => {
    const ran: ConditionType[] = [];
    const kms = outcome(ConditionType.EncryptionKeyReady, 'False', Reason.KeyProviderFailed);
    const outcomes = await runSteps(context, checklist(ran, { [ConditionType.EncryptionKeyReady]: kms }));
    assert.equal(
      outcomes.find((o) => o.type === ConditionType.EncryptionKeyReady),
      kms,
    );
  });
});
