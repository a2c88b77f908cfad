/**
 * The fleet audit report (GET /v1/fleet/audit-report, decision 0047): every registered cell's
 * latest published report, read in parallel from the cell with the cell's own least-privilege
 * identity (the chart's cellApi Role may get the report's ConfigMaps and nothing else of them),
 * merged by audit/fleet/build.ts. A cell that does not answer is listed unreachable, one that
 * answers without a report missing, one whose answer is no readable report unreadable: a cell is
 * never left out, and one slow cell delays the document by at most its client's timeouts.
 */
import { readPublishedReport, type ConfigMapReader } from '../../audit/publish.js';
import { buildFleetReport, type CellRead } from '../../audit/fleet/build.js';
import type { FleetAuditReport } from '../../audit/fleet/schema.js';
import { KubeApiError } from '../../kube/errors.js';
import type { KubeClient } from '../../kube/client.js';
import type { Logger } from '../../runtime/logging.js';
import { errorFields } from '../../runtime/logging.js';
import { ApiProblem } from '../problems.js';
import type { Cell } from './placement.js';
import type { TenantCells } from './routing.js';

export interface ReportLocation {
  namespace: string;
  name: string;
}

/** The cell itself failed to answer (as opposed to answering with something that is not a report). */
class CellDidNotAnswer extends Error {}

/** A refusal (403) or other 4xx is the cell answering; a 5xx or no answer at all is the cell being down. */
function answering(client: KubeClient): ConfigMapReader {
  return {
    get: async (ref) => {
      try {
        return await client.get(ref);
      } catch (error) {
        if (error instanceof KubeApiError && error.code < 500) throw error;
        throw new CellDidNotAnswer(errorFields(error).error, { cause: error });
      }
    },
  };
}

export interface FleetReportOptions {
  /** Where each cell's operator publishes its report: the same place in every cell (the chart's audit.reportConfigMap). */
  where: ReportLocation;
  logger: Logger;
  /** A report older than this is listed stale (cells.reportStaleAfterSeconds). */
  staleAfterSeconds: number;
  clock?: () => Date;
}

export class FleetAuditReports {
  private readonly where: ReportLocation;
  private readonly logger: Logger;

  constructor(
    private readonly cells: TenantCells,
    private readonly options: FleetReportOptions,
  ) {
    this.where = options.where;
    this.logger = options.logger;
  }

  async read(): Promise<FleetAuditReport> {
    const loads = await this.cells.registry.loads();
    const reads = await Promise.all(loads.map(({ cell }) => this.readCell(cell)));
    const generatedAt = this.options.clock?.() ?? new Date();
    return buildFleetReport(reads, { generatedAt, staleAfterSeconds: this.options.staleAfterSeconds });
  }

  private async readCell(cell: Cell): Promise<CellRead> {
    const ref = { name: cell.name, regions: cell.regions };
    const where = `ConfigMap ${this.where.namespace}/${this.where.name}`;
    try {
      const bytes = await readPublishedReport(answering(await this.cells.clientFor(cell)), this.where);
      if (bytes === undefined) return { cell: ref, outcome: 'missing', detail: `the cell has published no report (${where} not found)` };
      return { cell: ref, outcome: 'published', bytes };
    } catch (error) {
      const fields = errorFields(error);
      this.logger.warn('Cannot read the audit report of a cell', { cell: cell.name, ...fields });
      if (error instanceof KubeApiError)
        return { cell: ref, outcome: 'unreadable', detail: `the cell refused to let this API read ${where} (HTTP ${error.code})` };
      if (error instanceof ApiProblem)
        return { cell: ref, outcome: 'unreachable', detail: "the cell's kubeconfig Secret could not be read or used (see the API's log)" };
      if (error instanceof CellDidNotAnswer)
        return { cell: ref, outcome: 'unreachable', detail: `the cell could not be reached: ${fields.error}` };
      return { cell: ref, outcome: 'unreadable', detail: `${where} does not hold a readable report: ${fields.error}` };
    }
  }
}
