/**
 * The period report: a window of a chain of signed reports, verified report by report (key
 * rotations followed), summarised as what held over the window, and signed like a report.
 */
export { buildPeriodReport, gapFactor, PeriodInputError, type PeriodOptions } from './build.js';
export { renderPeriodHtml } from './html.js';
export { periodReportFormat, signedPeriodReportSchema, type SignedPeriodReport, type UnsignedPeriodReport } from './schema.js';
export { serializePeriodReport, signPeriodReport, verifyPeriodReport } from './signing.js';
export { formatPeriodText } from './text.js';
