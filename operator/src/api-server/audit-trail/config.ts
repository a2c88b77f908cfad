/**
 * The API's `auditTrail` setting: where the trail lives, or an explicit `disabled: true`. It is
 * required, so a deployment that forgot it stops at start instead of silently changing tenants
 * with no record. The URL carries a password: errors name the field and the rule, never the value.
 */
import { z } from 'zod';

const PostgresUrlSchema = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return ['postgres:', 'postgresql:'].includes(url.protocol) && url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  },
  { error: 'must be a postgres://user:password@host:port/database URL' },
);

export const AuditTrailConfigSchema = z
  .strictObject(
    {
      url: PostgresUrlSchema.optional(),
      disabled: z.literal(true, { error: 'may only be true (leave it out to keep the trail on)' }).optional(),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'required: set BULKHEAD_AUDIT_TRAIL_URL (or auditTrail.url), or auditTrail.disabled: true to run without an audit trail'
          : undefined,
    },
  )
  .superRefine((config, context) => {
    if (config.url === undefined && config.disabled === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'required unless auditTrail.disabled is true (BULKHEAD_AUDIT_TRAIL_URL sets it)',
      });
    }
    if (config.url !== undefined && config.disabled !== undefined) {
      context.addIssue({ code: 'custom', path: ['disabled'], message: 'cannot be set together with auditTrail.url' });
    }
  });
export type AuditTrailConfig = z.infer<typeof AuditTrailConfigSchema>;
