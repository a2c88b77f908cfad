/**
 * The audit report: build it from the parts' checks, sign it with Ed25519, keep it in a chained
 * store, verify it, and render it as text for a terminal or as HTML for an auditor.
 */
export { buildReport, buildReportYielding, exitCodeFor, type ReportParts } from './build.js';
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
export {
  reportFormat,
  signatureSchema,
  signedReportSchema,
  unsignedReportSchema,
  type ReportSignature,
  type SignedReport,
  type UnsignedReport,
} from './schema.js';
export {
  canonicalBytes,
  digestOf,
  generateSigningKey,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
  serializeReport,
  serializeReportYielding,
  signDocument,
  signReport,
  signReportFile,
  signReportYielding,
  type SignedReportFile,
} from './signing.js';
export { listReportFiles, previousInStore, reportFileName, saveReport, saveReportFile } from './store.js';
export { readChain, verifyChain, type ChainEntry, type ChainProblem, type ChainProblemKind, type ChainVerification } from './chain.js';
export { keyRotationSchema, rotationFormat, signRotation, type KeyRotation } from './rotation.js';
export { ChainTrust, trustedKeyFor, verifyTrusted, type AcceptedRotation } from './trust.js';
export {
  parseReport,
  parseSignedDocument,
  verifyReport,
  verifySignedDocument,
  type DocumentVerification,
  type SignedKind,
  type TrustedKey,
  type Verification,
} from './verify.js';
