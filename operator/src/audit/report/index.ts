/**
 * The audit report: build it from the parts' checks, sign it with Ed25519, keep it in a chained
 * store, verify it, and render it as text for a terminal or as HTML for an auditor.
 */
export { buildReport, exitCodeFor, type ReportParts } from './build.js';
export type { Inventory } from './inventory.js';
export {
  admissionPoliciesOffLimitation,
  databaseLoginSampleLimitation,
  networkEnforcementLimitation,
  nodeTrafficLimitation,
  standardLimitations,
} from './limitations.js';
export { renderHtml } from './html.js';
export { formatReportText } from './text.js';
export { reportFormat, signedReportSchema, unsignedReportSchema, type SignedReport, type UnsignedReport } from './schema.js';
export {
  digestOf,
  generateSigningKey,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
  serializeReport,
  serializeReportYielding,
  signReport,
  signReportFile,
  signReportYielding,
  type SignedReportFile,
} from './signing.js';
export {
  listReportFiles,
  previousInStore,
  reportFileName,
  saveReport,
  saveReportFile,
  verifyChain,
  type ChainVerification,
} from './store.js';
export { parseReport, verifyReport, type TrustedKey, type Verification } from './verify.js';
