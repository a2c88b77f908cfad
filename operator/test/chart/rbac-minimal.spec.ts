/**
 * The chart's ClusterRoles and Roles are minimal: over the whole integration run, in which every
 * operator (and the onboarding API in api-identity.spec.ts) runs as the chart's ServiceAccounts,
 * kube-apiserver's audit log shows that every rule atom (verb × resource × API group, per name or
 * namespace where the rule says so; a published report's numbered parts count as one atom, see
 * neededByName) authorized at least one request that nothing else in the
 * chart would have, and that no request of these identities was refused. The cell identity
 * (cellApi) counts too, as cells.spec.ts uses it in the environment's cluster, its cell eu-1. The operator's
 * tenant-namespace ClusterRole counts as bound in every tenant-* namespace, as the operator binds
 * it; the requests operator-confinement.spec.ts sends to be refused are left out. That the roles
 * are sufficient is every other spec passing. bind and escalate never show as a request's verb;
 * they are proven needed by rbac-privileged-verbs.spec.ts.
 *
 * This suite runs after every other one (it moves itself to the end of the run) and skips, saying
 * why, when the run was partial: a single spec file proves nothing about minimality.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Runnable, Suite } from 'mocha';
import { auditLogPath, testEnvironment } from '@bulkhead/testenv';
import { repoRoot } from '../support/cluster.js';
import {
  apiServiceAccount,
  cellApiServiceAccount,
  chartNamespace,
  chartValuesUsedBy,
  chartValuesWindows,
  operatorServiceAccount,
  operatorTenantClusterRole,
  renderChart,
} from '../support/operator-identity.js';
import {
  atomName,
  atomsOf,
  confinementProbeAgent,
  indirectVerbs,
  neededBy,
  neededByName,
  readAuditLog,
  tenantNamespaceAtoms,
  type RuleAtom,
} from '../support/rbac-audit.js';

const title = "the chart's RBAC over the whole integration run";

// A root hook runs before any suite starts; moving this file's suite to the end of the root's list
// then makes it run last whatever order the files were loaded in.
before(function () {
  const root = this.test?.parent;
  const index = root?.suites.findIndex((suite) => suite.title === title) ?? -1;
  if (root && index >= 0) root.suites.push(...root.suites.splice(index, 1));
});

/**
 * The spec files the whole integration suite runs (.mocharc.integration.cjs without SPEC): its
 * patterns dir/**\/*.spec.ts, less its ignore patterns dir/** (the real-node specs).
 */
function integrationSpecFiles(): string[] {
  const settings = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '-e',
        'delete process.env.SPEC; const c = require("./.mocharc.integration.cjs"); console.log(JSON.stringify({ spec: c.spec, ignore: c.ignore ?? [] }))',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    ),
  ) as { spec: string[]; ignore: string[] };
  const ignored = settings.ignore.map((pattern) => join(repoRoot, pattern.replace(/\/\*\*$/, '/')));
  return settings.spec
    .flatMap((pattern) => {
      const match = /^(.+)\/\*\*\/\*(\.spec\.ts)$/.exec(pattern);
      if (!match?.[1] || !existsSync(join(repoRoot, match[1]))) return [];
      const dir = join(repoRoot, match[1]);
      return readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith(match[2] ?? ''))
        .map((f) => join(dir, f));
    })
    .filter((file) => !ignored.some((prefix) => file.startsWith(prefix)));
}

function allTests(suite: Suite): Runnable[] {
  return [...suite.tests, ...suite.suites.flatMap(allTests)];
}

const grepFlags = ['--grep', '-g', '--fgrep', '-f', '--invert', '-i'];

/** Why this run cannot judge minimality, or undefined when it can. */
function partialRunReason(root: Suite): string | undefined {
  const loaded = new Set(root.suites.map((suite) => resolve(suite.file ?? '')));
  const missing = integrationSpecFiles().filter((file) => !loaded.has(file));
  if (missing.length > 0) return `partial run: ${missing.length} integration spec file(s) not loaded (e.g. ${missing[0]})`;
  const grep = process.argv.find((arg) => grepFlags.includes(arg.split('=')[0] ?? ''));
  if (grep) return `partial run: tests filtered with ${grep}`;
  if (!existsSync(auditLogPath(testEnvironment())))
    return 'no audit log: the environment was started without one (reused from an older make cluster-up?)';
  return undefined;
}

describe(title, function () {
  before(function () {
    const self = this.test?.parent;
    const root = self?.parent;
    const reason = root ? partialRunReason(root) : 'cannot see the run';
    if (reason) {
      console.log(`      skipped: ${reason}; run the whole suite: npx mocha --config make test-integration`);
      this.skip();
    }
    // Tests behind a failed hook did not run: the run fails anyway, and a rule only they need shows here as unused.
    const notRun = (root?.suites ?? [])
      .filter((suite) => suite !== self)
      .flatMap(allTests)
      .filter((test) => test.state === undefined && !test.isPending());
    if (notRun.length > 0)
      console.log(`      note: ${notRun.length} test(s) did not run (a failed hook), e.g. "${notRun[0]?.fullTitle()}"`);
  });

  const userOf = (serviceAccount: string): string => `system:serviceaccount:${chartNamespace}:${serviceAccount}`;
  const atomsUnder = (values: Record<string, unknown>) => {
    const rendered = renderChart(values, ['operator-rbac.yaml', 'api-rbac.yaml']);
    return [...atomsOf(rendered), ...tenantNamespaceAtoms(rendered, operatorTenantClusterRole, userOf(operatorServiceAccount))];
  };
  /** The cell identity's role renders only where cellApi is enabled, so it is rendered on its own (cells.spec.ts uses it). */
  const cellAtoms = () =>
    chartValuesUsedBy(cellApiServiceAccount)
      .flatMap((values) => atomsOf(renderChart(values, ['cell-api-rbac.yaml'])))
      .filter((atom) => atom.user === userOf(cellApiServiceAccount));
  /** Each identity's atoms under every set of values it ran with (say, with and without the audit's signing key), once each. */
  const atoms = () => [
    ...new Map(
      [operatorServiceAccount, apiServiceAccount]
        .flatMap((serviceAccount) =>
          chartValuesUsedBy(serviceAccount)
            .flatMap(atomsUnder)
            .filter((atom) => atom.user === userOf(serviceAccount)),
        )
        .concat(cellAtoms())
        .map((atom) => [atomName(atom), atom]),
    ).values(),
  ];
  const requests = () => readAuditLog(auditLogPath(testEnvironment())).filter((r) => r.userAgent !== confinementProbeAgent);

  it('refused no request of the operator or the API', function () {
    const users = new Set(atoms().map((a) => a.user));
    const refused = requests().filter((r) => users.has(r.user) && [401, 403].includes(r.code));
    assert.deepEqual(
      refused.map((r) => `${r.user} ${r.verb} ${r.uri} -> ${r.code}`),
      [],
    );
  });

  /**
   * Per atom name, the requests only it authorized, each request judged against the rules of the
   * chart values the cluster held when it was made (chartValuesWindows): a rule that only some
   * values render is needed by the requests made under them, and not hidden by a broader rule
   * other values render (the audit's cluster-wide lists beside the namespace sweep's).
   */
  const neededOverWindows = (checked: RuleAtom[]): Map<string, number> => {
    const counts = neededByName(new Map(checked.map((atom) => [atom, 0])));
    const windows = chartValuesWindows();
    const all = requests();
    windows.forEach(({ from, values }, index) => {
      const until = windows[index + 1]?.from ?? Number.POSITIVE_INFINITY;
      const inWindow = all.filter((r) => r.at >= from && r.at < until);
      const rules = [
        ...new Map(
          [operatorServiceAccount, apiServiceAccount]
            .flatMap((serviceAccount) => atomsUnder(values).filter((atom) => atom.user === userOf(serviceAccount)))
            .concat(cellAtoms())
            .filter((atom) => !indirectVerbs.has(atom.verb))
            .map((atom) => [atomName(atom), atom]),
        ).values(),
      ];
      for (const [name, count] of neededByName(neededBy(rules, inWindow))) {
        if (counts.has(name)) counts.set(name, (counts.get(name) ?? 0) + count);
      }
    });
    return counts;
  };

  it('used every rule atom of the ClusterRoles and Roles, each for a request no other rule allows', function () {
    const all = atoms();
    const checked = all.filter((a) => !indirectVerbs.has(a.verb));
    const needed = neededOverWindows(checked);
    console.log(
      `      ${needed.size} atoms checked (a report's parts as one; ${all.length - checked.length} bind/escalate atoms proven elsewhere):`,
    );
    for (const [name, count] of needed) console.log(`        ${String(count).padStart(5)}  ${name}`);
    const unused = [...needed].filter(([, count]) => count === 0).map(([name]) => name);
    assert.deepEqual(unused, [], 'these rules were never needed: remove them, or add the spec that needs them');
  });
});
