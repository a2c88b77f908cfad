/**
 * The Tenant API as zod schemas: the same fields, limits and defaults as
 * crds/bulkhead.dev_tenants.yaml, plus refinements that mirror its CEL rules, so that the
 * onboarding API refuses what kube-apiserver would refuse, with the same words.
 * tenant.test.ts fails when this file and the CRD drift apart.
 */
import { z } from 'zod';
import { ConditionSchema } from './conditions.js';
import { group } from './labels.js';
import { cidrProblem } from './cidr.js';
import { exportRecipientKeyProblem } from './export-recipient.js';

export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
export const tenantKind = 'Tenant';
export const tenantListKind = 'TenantList';
export const tenantPlural = 'tenants';

/** The longest tenant name: `tenant_<name>` and `tenant-<name>` must leave room under 63. */
export const maximumTenantNameLength = 40;

/** The messages of the CRD's CEL rules, word for word, so every interface says the same thing. */
export const tenantRuleMessages = {
  nameFormat:
    "metadata.name must be a DNS-1123 label starting with a letter (lowercase letters, digits and '-', ending with a letter or digit)",
  nameLength: `metadata.name must be at most ${maximumTenantNameLength} characters so that the derived namespace, database and role names fit their limits`,
  nameReserved: 'metadata.name is reserved (default, system, system-*, kube-*, openshift-* and bulkhead* belong to the platform)',
  regionImmutable: 'spec.region is immutable',
  systemOwner: 'spec.owners[].name must not name a system: user or group (binding system:authenticated would hand the tenant to everyone)',
  notCidr: 'spec.network.allowEgressCIDRs[] must be a CIDR such as 203.0.113.0/24 or 2001:db8::/32',
  domain:
    'spec.network.domains[] must be a lower-case DNS name of at least two labels, such as acme.example.com (no wildcard: subdomains are included)',
  exportRecipientKey:
    'spec.database.export.recipientPublicKey must be an RSA public key of at least 3072 bits in PEM (-----BEGIN PUBLIC KEY-----)',
  exportRecipientRequired:
    "spec.database.export.recipientPublicKey is required when spec.database.deletionPolicy is Export: the export's data key is sealed to it",
  cidrHostBits:
    'spec.network.allowEgressCIDRs[] must have no bits set after the prefix length (write 10.0.0.0/8 for the network or 10.0.0.1/32 for one address)',
} as const;

/** The CRD's messageExpression for reserved names: the static message with the name in it. */
export function reservedNameMessage(name: string): string {
  return tenantRuleMessages.nameReserved.replace('metadata.name', `metadata.name "${name}"`);
}

const tenantNamePattern = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const reservedTenantNames: readonly string[] = ['default', 'system'];
const reservedTenantNamePrefixes: readonly string[] = ['system-', 'kube-', 'openshift-', 'bulkhead'];

/** Whether a name belongs to the platform (Kubernetes, OpenShift, Bulkhead itself). */
export function isReservedTenantName(name: string): boolean {
  return reservedTenantNames.includes(name) || reservedTenantNamePrefixes.some((prefix) => name.startsWith(prefix));
}

/** Every CEL rule on metadata.name that `name` breaks, as the messages kube-apiserver gives. */
export function tenantNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (!tenantNamePattern.test(name)) problems.push(tenantRuleMessages.nameFormat);
  if (name.length > maximumTenantNameLength) problems.push(tenantRuleMessages.nameLength);
  if (isReservedTenantName(name)) problems.push(reservedNameMessage(name));
  return problems;
}

/** What changes of a Tenant's spec kube-apiserver refuses on update (its transition rules). */
export function tenantSpecUpdateProblems(previous: TenantSpec, next: TenantSpec): string[] {
  return previous.region === next.region ? [] : [tenantRuleMessages.regionImmutable];
}

/** A DNS-1123 subdomain: how Kubernetes object names, and so plan names, are written. */
export const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A cloud region such as eu-central-1 or us-east-1. */
const regionPattern = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
/** A SemVer 2 version without a leading "v", as Helm chart versions are written. */
export const semanticVersionPattern =
  /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** The parts of metav1.ObjectMeta Bulkhead reads; the rest passes through untouched. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

const TenantMetadataSchema = ObjectMetaSchema.superRefine((metadata, context) => {
  for (const message of tenantNameProblems(metadata.name)) {
    context.addIssue({ code: 'custom', path: ['name'], message, input: metadata.name });
  }
});

/** Free-form chart values (the CRD preserves unknown fields here). */
export const ChartValuesSchema = z.record(z.string(), z.unknown());

export const TenantOwnerSchema = z.strictObject({
  kind: z.enum(['User', 'Group']),
  name: z
    .string()
    .min(1)
    .max(253)
    .refine((name) => !name.startsWith('system:'), tenantRuleMessages.systemOwner),
});
export type TenantOwner = z.infer<typeof TenantOwnerSchema>;

/** Refuses repeated items the way a CRD list of type set or map does ("Duplicate value"). */
function refuseDuplicates<T>(key: (item: T) => string) {
  return (items: readonly T[], context: z.RefinementCtx): void => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const itemKey = key(item);
      if (seen.has(itemKey)) {
        context.addIssue({ code: 'custom', path: [index], message: `Duplicate value: ${itemKey}`, input: item });
      }
      seen.add(itemKey);
    });
  };
}

export const TenantAppSchema = z.strictObject({
  version: z.string().max(64).regex(semanticVersionPattern).optional(),
  values: ChartValuesSchema.optional(),
  pinned: z.boolean().optional(),
});

export const deletionPolicies = ['Retain', 'Snapshot', 'Delete', 'Export'] as const;
export type DeletionPolicy = (typeof deletionPolicies)[number];

/** The longest PEM accepted for a recipient key: an RSA-16384 SPKI fits with room to spare. */
export const maximumRecipientKeyLength = 4096;

/** The customer's key the final export's data key is sealed to (docs/decisions/0040). */
export const TenantDatabaseExportSchema = z.strictObject({
  recipientPublicKey: z
    .string()
    .max(maximumRecipientKeyLength)
    .refine((pem) => exportRecipientKeyProblem(pem) === undefined, tenantRuleMessages.exportRecipientKey),
});

export const TenantDatabaseSchema = z.strictObject({
  deletionPolicy: z.enum(deletionPolicies).default('Retain'),
  passwordRotation: z.string().max(128).optional(),
  export: TenantDatabaseExportSchema.optional(),
});

/** The CRD's rule on spec.database; on the field, not the object, so the API can still take `.partial()` of it. */
function requireExportRecipient(database: z.infer<typeof TenantDatabaseSchema>, context: z.RefinementCtx): void {
  if (database.deletionPolicy === 'Export' && database.export === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['export', 'recipientPublicKey'],
      message: tenantRuleMessages.exportRecipientRequired,
      input: database,
    });
  }
}

export const TenantEncryptionSchema = z.strictObject({
  keyRotation: z.boolean().default(true),
});

const EgressCidrSchema = z
  .string()
  .max(49)
  .superRefine((cidr, context) => {
    const problem = cidrProblem(cidr);
    if (problem === 'notCidr') context.addIssue({ code: 'custom', message: tenantRuleMessages.notCidr, input: cidr });
    if (problem === 'hostBitsSet') context.addIssue({ code: 'custom', message: tenantRuleMessages.cidrHostBits, input: cidr });
  });

/** A DNS name of at least two labels, lower case, as the CRD's rule writes it. */
export const domainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

export const TenantNetworkSchema = z.strictObject({
  allowEgressCIDRs: z
    .array(EgressCidrSchema)
    .max(20)
    .superRefine(refuseDuplicates((cidr: string) => JSON.stringify(cidr)))
    .optional(),
  domains: z
    .array(
      z
        .string()
        .max(253)
        .refine((domain) => domainPattern.test(domain), tenantRuleMessages.domain),
    )
    .max(10)
    .superRefine(refuseDuplicates((domain: string) => JSON.stringify(domain)))
    .optional(),
});

export const TenantSpecSchema = z.strictObject({
  displayName: z.string().min(1).max(128),
  plan: z.string().max(63).regex(dnsSubdomainPattern),
  region: z.string().max(32).regex(regionPattern),
  owners: z
    .array(TenantOwnerSchema)
    .min(1)
    .max(20)
    .superRefine(refuseDuplicates((owner: TenantOwner) => JSON.stringify({ kind: owner.kind, name: owner.name }))),
  app: TenantAppSchema.optional(),
  // prefault, not default: like the CRD's `default: {}`, the empty object then gets its own defaults.
  database: TenantDatabaseSchema.superRefine(requireExportRecipient).prefault({}),
  encryption: TenantEncryptionSchema.prefault({}),
  network: TenantNetworkSchema.optional(),
  suspended: z.boolean().default(false),
});
export type TenantSpec = z.infer<typeof TenantSpecSchema>;
export type TenantSpecInput = z.input<typeof TenantSpecSchema>;

/** The steps of a promotion from the pool to a database of its own, in order (docs/decisions/0048). */
export const promotionSteps = ['CreatingDatabase', 'StoppingWrites', 'Copying', 'Verifying', 'CuttingOver', 'DroppingPooled'] as const;
export type PromotionStep = (typeof promotionSteps)[number];

/** A promotion under way: the step it runs next, and when the tenant's writes stopped (the outage began). */
export const DatabasePromotionSchema = z.object({
  step: z.enum(promotionSteps),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  writesStoppedAt: z.iso.datetime({ offset: true }).optional(),
  verified: z.string().max(200).optional(),
  /** Verifications that found a mismatch since the promotion began or was last retried (decision 0053). */
  verificationFailures: z.int().min(0).optional(),
  /** The last mismatch, naming the tables; kept while the promotion waits for a human. */
  verificationFailed: z.string().max(1000).optional(),
  /** The value of the Tenant's retry-promotion annotation the operator last acted on. */
  retry: z.string().max(63).optional(),
});
export type DatabasePromotion = z.infer<typeof DatabasePromotionSchema>;

/** The steps of a key promotion from the region's pool key to a key of the tenant's own, in order (docs/decisions/0052). */
export const keyPromotionSteps = ['CreatingKey', 'ReWrapping', 'RevokingPoolGrant'] as const;
export type KeyPromotionStep = (typeof keyPromotionSteps)[number];

/** A key promotion under way: the step it runs next, and the tenant's own key once it exists. */
export const KeyPromotionSchema = z.object({
  step: z.enum(keyPromotionSteps),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  keyId: z.string().optional(),
  keyArn: z.string().optional(),
});
export type KeyPromotion = z.infer<typeof KeyPromotionSchema>;

/** A data key wrapped under the tenant's key (base64 ciphertext and its encryption context): not a secret. */
export const RecordedDataKeySchema = z.object({
  ciphertext: z.string().max(8192),
  context: z.record(z.string(), z.string()),
});

/** Which release serves a tenant: one of its own (Dedicated) or its region's shared release (Shared). */
export const releaseTiers = ['Dedicated', 'Shared'] as const;

/**
 * The release tier the app step last served the tenant from, and the shared release that may list it:
 * recorded before the tenant joins one, cleared only once it has left (docs/decisions/0054).
 */
export const TenantReleaseStatusSchema = z.object({
  tier: z.enum(releaseTiers),
  sharedRelease: z.string().max(63).optional(),
});
export type TenantReleaseStatus = z.infer<typeof TenantReleaseStatusSchema>;

export const TenantStatusSchema = z.object({
  observedGeneration: z.int().optional(),
  namespace: z.string().optional(),
  conditions: z.array(ConditionSchema).optional(),
  database: z
    .object({
      host: z.string().optional(),
      port: z.int().min(1).max(65535).optional(),
      name: z.string().optional(),
      secretName: z.string().optional(),
      schema: z.string().max(63).optional(),
      inputsDigest: z.string().max(80).optional(),
      promotion: DatabasePromotionSchema.optional(),
    })
    .optional(),
  encryption: z
    .object({
      keyId: z.string().optional(),
      keyArn: z.string().optional(),
      alias: z.string().optional(),
      deletionDate: z.iso.datetime({ offset: true }).optional(),
      inputsDigest: z.string().max(80).optional(),
      promotion: KeyPromotionSchema.optional(),
      dataKey: RecordedDataKeySchema.optional(),
    })
    .optional(),
  app: z
    .object({
      version: z.string().optional(),
      digest: z.string().optional(),
      inventory: z.array(z.string().max(512)).max(1000).optional(),
      inputsDigest: z.string().max(80).optional(),
      observedDigest: z.string().max(80).optional(),
    })
    .optional(),
  release: TenantReleaseStatusSchema.optional(),
  backups: z
    .object({
      latest: z
        .array(
          z.object({
            id: z.string(),
            createdAt: z.iso.datetime({ offset: true }),
            size: z.int().min(0),
            reason: z.string().optional(),
          }),
        )
        .max(10)
        .optional(),
      lastAttemptTime: z.iso.datetime({ offset: true }).optional(),
      lastFailure: z.string().optional(),
    })
    .optional(),
});
export type TenantStatus = z.infer<typeof TenantStatusSchema>;

export const TenantSchema = z.object({
  apiVersion: z.literal(apiVersion),
  kind: z.literal(tenantKind),
  metadata: TenantMetadataSchema,
  spec: TenantSpecSchema,
  status: TenantStatusSchema.optional(),
});
/** A Tenant as read back: defaults applied. */
export type Tenant = z.infer<typeof TenantSchema>;
/** A Tenant as written in a manifest: defaulted fields may be left out. */
export type TenantInput = z.input<typeof TenantSchema>;
