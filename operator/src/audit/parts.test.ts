import assert from 'node:assert/strict';
import type { Tenant } from '../api/tenant.js';
import { isolationCondition } from './isolation-condition.js';
import { passed } from './model.js';
import { oneAtATime, runPart } from './parts.js';

const tenant = (name: string) => ({ metadata: { name, generation: 1 } }) as Tenant;
const spec = { category: 'network' as const, name: 'exposure', title: 'The Services could be judged' };

describe('a part of the audit', () => {
  it('that fails as a whole leaves an error for every tenant, so none is IsolationVerified=True on the other parts alone', async () => {
    const result = await runPart(spec, [tenant('acme'), tenant('globex')], () =>
      Promise.reject(new Error('cannot list Ingress: connection reset')),
    );
    assert.deepEqual(
      result.checks.map((c) => [c.id, c.tenant, c.result, c.reason]),
      [
        ['network.exposure-failed', 'acme', 'error', 'AuditPartFailed'],
        ['network.exposure-failed', 'globex', 'error', 'AuditPartFailed'],
      ],
    );
    assert.match(result.checks[0]?.message ?? '', /cannot list Ingress: connection reset/);
    const others = [passed({ id: 'network.ingress', category: 'network', tenant: 'acme', title: 't', message: 'm', evidence: null })];
    const condition = isolationCondition(tenant('acme'), [...others, ...result.checks]);
    assert.deepEqual([condition.status, condition.reason], ['Unknown', 'AuditIncomplete']);
    assert.match(condition.message, /network\.exposure-failed AuditPartFailed: .*connection reset/);
  });

  it('that fails with no tenant to judge leaves one fleet-wide error', async () => {
    const result = await runPart(spec, [], () => Promise.reject(new Error('down')));
    assert.equal(result.checks.length, 1);
    assert.equal(result.checks[0]?.tenant, undefined);
  });

  it('that runs hands back its own result', async () => {
    const result = await runPart(spec, [tenant('acme')], () => Promise.resolve({ checks: [], inputs: [] }));
    assert.deepEqual(result, { checks: [], inputs: [] });
  });
});

describe('oneAtATime', () => {
  it('starts each task when the one before it has ended, in the order given, whether it failed or not', async () => {
    const lane = oneAtATime();
    const events: string[] = [];
    const task =
      (name: string, fails = false) =>
      async (): Promise<string> => {
        events.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${name}`);
        if (fails) throw new Error(`${name} failed`);
        return name;
      };
    const results = await Promise.allSettled([lane(task('a')), lane(task('b', true)), lane(task('c'))]);
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? result.value : String(result.reason))),
      ['a', 'Error: b failed', 'c'],
    );
  });
});
