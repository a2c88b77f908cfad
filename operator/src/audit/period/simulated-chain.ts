/**
 * A chain of reports over a simulated period, built by the real builder and signer, for the period
 * report's tests: each hour one fleet audit of the tenants present, with a sabotage window during
 * which one tenant's namespace admits another's traffic. Data and file writing only; nothing in
 * the audit reads it.
 */
import type { KeyObject } from 'node:crypto';
import { failed, passed, type AuditCheck } from '../model.js';
import { buildReport, previousInStore, saveReport, signReport, signRotation, type UnsignedReport } from '../report/index.js';
import { sampleReportParts } from '../report/sample-parts.js';

export const simulatedStart = Date.UTC(2026, 10, 1, 0, 0);
export const hour = 3600 * 1000;

/** The time `hours` hours into the simulated period, as the report writes it. */
export const at = (hours: number): string => new Date(simulatedStart + hours * hour).toISOString();

function tenantChecks(tenant: string, sabotaged: boolean): AuditCheck[] {
  const namespace = `tenant-${tenant}`;
  const fields = { category: 'network' as const, tenant, evidence: { namespace } };
  const network = { ...fields, id: 'network.ingress', title: `No other tenant may connect to ${namespace}` };
  return [
    passed({
      ...fields,
      id: 'guardrails.pod-security',
      category: 'guardrails',
      title: `${namespace} is restricted`,
      message: 'restricted',
    }),
    sabotaged
      ? failed({ ...network, reason: 'CrossTenantFlowAllowed', message: `tenant-acme may connect to ${namespace} on TCP/80` })
      : passed({ ...network, message: 'no other tenant namespace may connect' }),
  ];
}

export interface SimulatedAudit {
  hours: number;
  tenants: readonly string[];
  /** The tenant whose namespace admits acme's traffic during this audit, if any. */
  sabotaged?: string;
}

/** The unsigned fleet report of one simulated audit, chained onto the newest report in `dir`. */
export function simulatedReport(dir: string, audit: SimulatedAudit): UnsignedReport {
  const tenants = [...audit.tenants];
  return buildReport({
    ...sampleReportParts(),
    generatedAt: new Date(at(audit.hours)),
    inputs: [],
    matrix: null,
    checks: tenants.flatMap((tenant) => tenantChecks(tenant, tenant === audit.sabotaged)),
    inventory: { tenants, namespaces: tenants, databases: tenants, keyAliases: tenants },
    previous: previousInStore(dir),
  });
}

/** Signs and saves one simulated audit; with `rotatedFrom`, the report records the hand-over from that key to `key`. */
export function saveSimulated(dir: string, audit: SimulatedAudit, key: KeyObject, rotatedFrom?: KeyObject): string {
  const report = simulatedReport(dir, audit);
  const rotation = rotatedFrom ? { rotation: signRotation(rotatedFrom, key, new Date(at(audit.hours))) } : {};
  return saveReport(dir, signReport({ ...report, ...rotation }, key)).path;
}
