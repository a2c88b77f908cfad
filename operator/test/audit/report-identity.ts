/**
 * The audit configuration of the specs that publish signed reports (audit-command.spec.ts,
 * published-parts.spec.ts): one report name and one signing key, so that a whole run installs the
 * chart's operator identity for one published report, not one per spec, and the parts spec writes
 * the parts of the report the chart's Role names for audit-command.spec.ts (rbac-minimal.spec.ts).
 */
export const reportSigningSecret = { namespace: 'bulkhead-system', name: 'audit-spec-signing-key' };
export const reportConfigMap = 'audit-spec-report';
