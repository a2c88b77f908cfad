/**
 * The operator's own configuration, validated once at the edge (a YAML or JSON file named by
 * --config or BULKHEAD_CONFIG, then a few environment overrides); inside, the types are trusted.
 */
import { z } from 'zod';
import { cidrProblem } from './cidr.js';

/** A CIDR written as the CEL library and NetworkPolicy accept it (no host bits set). */
const CidrSchema = z
  .string()
  .refine((cidr) => cidrProblem(cidr) === undefined, { error: 'must be a CIDR such as 10.244.0.0/16 with no host bits set' });
/** A request rate: requests per second, above 0 (a fraction is fine: 0.5 is one request every 2 s). */
const RateSchema = z.number().positive({ error: 'must be a number of requests per second above 0' }).max(100_000);
/**
 * AWS KMS's published request quotas per account and region (docs/decisions/0025): 5/s for every
 * operation that changes a key or alias; reads more. The operator paces each operation separately.
 */
export const kmsRequestsPerSecondDefaults = {
  CreateKey: 5,
  CreateAlias: 5,
  UpdateAlias: 5,
  DeleteAlias: 5,
  PutKeyPolicy: 5,
  TagResource: 5,
  EnableKeyRotation: 5,
  DisableKeyRotation: 5,
  EnableKey: 5,
  DisableKey: 5,
  UntagResource: 5,
  ScheduleKeyDeletion: 5,
  DescribeKey: 100,
  ListKeys: 100,
  ListAliases: 100,
  ListResourceTags: 100,
  GetKeyPolicy: 30,
  GetKeyRotationStatus: 30,
} as const;
const KmsRequestsPerSecondSchema = z.strictObject(
  Object.fromEntries(Object.keys(kmsRequestsPerSecondDefaults).map((operation) => [operation, RateSchema.optional()])) as Record<
    keyof typeof kmsRequestsPerSecondDefaults,
    z.ZodOptional<typeof RateSchema>
  >,
);
const kmsLimitsDefaults = {
  requestsPerSecond: kmsRequestsPerSecondDefaults,
  burst: 1,
  maxWaitSeconds: 5,
  throttleSlowdown: 0.5,
  recoverySeconds: 30,
};

/** A DNS name of at least two labels, lower case. */
const DomainSchema = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, {
    error: 'must be a lower-case DNS name such as tenants.example.com',
  });

export const OperatorConfigSchema = z.strictObject({
  /** Namespace of the operator: its Lease lives here. */
  namespace: z.string().min(1).default('bulkhead-system'),
  /** Unique per replica; defaults to hostname and pid. */
  identity: z.string().min(1).optional(),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  workers: z.int().min(1).max(64).default(4),
  leaderElection: z
    .strictObject({
      enabled: z.boolean().default(true),
      leaseName: z.string().min(1).default('bulkhead-operator'),
      leaseDurationSeconds: z.number().positive().default(15),
      renewDeadlineSeconds: z.number().positive().default(10),
      retryPeriodSeconds: z.number().positive().default(2),
    })
    .refine((le) => le.renewDeadlineSeconds < le.leaseDurationSeconds, {
      message: 'leaderElection.renewDeadlineSeconds must be less than leaseDurationSeconds',
    })
    .default({ enabled: true, leaseName: 'bulkhead-operator', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }),
  health: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8081),
    })
    .default({ host: '127.0.0.1', port: 8081 }),
  /** Pod Security Standards version pinned on tenant namespaces. */
  podSecurityVersion: z
    .string()
    .regex(/^(latest|v1\.\d+)$/)
    .default('v1.36'),
  /** The ClusterRole tenant owners are bound to in their namespace; the operator keeps it in place. */
  tenantOwnerClusterRole: z.string().min(1).default('bulkhead-tenant-owner'),
  /**
   * The operator's own rights inside each tenant namespace: right after creating the namespace it
   * binds this ClusterRole (installed by the chart, never written by the operator) to its own
   * ServiceAccount (in `namespace`), and holds nothing there before.
   */
  operatorAccess: z
    .strictObject({
      clusterRole: z.string().min(1).default('bulkhead-operator-tenant'),
      serviceAccount: z.string().min(1).default('bulkhead-operator'),
    })
    .default({ clusterRole: 'bulkhead-operator-tenant', serviceAccount: 'bulkhead-operator' }),
  /** How the product chart is rendered for each tenant. */
  release: z
    .strictObject({
      /** The helm binary (a name on PATH or a path). */
      helm: z.string().min(1).default('helm'),
      /** A directory of packaged charts, `<chart>-<version>.tgz`, acting as a chart repository. */
      chartRepository: z.string().min(1).default('/var/lib/bulkhead/charts'),
    })
    .default({ helm: 'helm', chartRepository: '/var/lib/bulkhead/charts' }),
  /**
   * Where each region's tenants get their database and key. A tenant in a region not listed here
   * gets neither (DatabaseReady/EncryptionKeyReady False, reason RegionNotConfigured).
   */
  regions: z
    .record(
      z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/),
      z.strictObject({
        database: z.strictObject({
          host: z.string().min(1),
          port: z.int().min(1).max(65535).default(5432),
          /** A Secret (keys `username`, `password`) with the server's admin login. */
          adminSecret: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }),
        }),
        kms: z.strictObject({
          accountId: z.string().regex(/^\d{12}$/),
          /** Default: AWS's own endpoint for the region; set it for an emulator. */
          endpoint: z.url().optional(),
          /** A Secret (keys `accessKeyId`, `secretAccessKey`); default the AWS SDK's credential chain. */
          credentialsSecret: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }).optional(),
          /** This region's own quotas where they differ from providerLimits.kms.requestsPerSecond (a raised quota). */
          requestsPerSecond: KmsRequestsPerSecondSchema.optional(),
        }),
      }),
    )
    .default({}),
  /**
   * How hard the operator may press each region's providers (docs/decisions/0025). KMS: every
   * request waits its turn at a pacer per region and operation, shared by all workers; a
   * ThrottlingException slows that operation down and the tenant says KeyProviderThrottled.
   */
  providerLimits: z
    .strictObject({
      kms: z
        .strictObject({
          /** Requests per second per operation, per region: AWS's default quotas unless raised for the account. */
          requestsPerSecond: KmsRequestsPerSecondSchema.transform((rates) => ({ ...kmsRequestsPerSecondDefaults, ...rates })).default(
            kmsRequestsPerSecondDefaults,
          ),
          /** Requests of one operation that may go at once; 1 spaces them evenly, so no one-second window exceeds the rate. */
          burst: z.int().min(1).max(1000).default(1),
          /** The longest a reconcile waits for a turn; a tenant whose turn is further away is requeued for then. */
          maxWaitSeconds: z.number().min(0).max(60).default(5),
          /** After a ThrottlingException the operation's rate is multiplied by this (never below a tenth of its budget)... */
          throttleSlowdown: z
            .number()
            .gt(0, { error: 'must be above 0 and below 1' })
            .lt(1, { error: 'must be above 0 and below 1' })
            .default(0.5),
          /** ...and climbs back to its budget over this many seconds. */
          recoverySeconds: z.int().min(1).max(3600).default(30),
        })
        .default(kmsLimitsDefaults),
      database: z
        .strictObject({
          /**
           * The most connections the operator holds to one PostgreSQL server at once: its admin pool
           * and its sessions inside tenant databases together (a cancellation opens one more for an
           * instant). Keep it well under the server's max_connections minus what the tenants need.
           */
          maxConnectionsPerServer: z.int().min(2).max(100).default(4),
        })
        .default({ maxConnectionsPerServer: 4 }),
    })
    .default({ kms: kmsLimitsDefaults, database: { maxConnectionsPerServer: 4 } }),
  database: z
    .strictObject({
      /** Where Snapshot deletion writes pg_dump files. */
      snapshotDir: z.string().min(1).default('/var/lib/bulkhead/snapshots'),
      /**
       * Promotion out of the pool (decisions 0048, 0053): after this many verifications in a row find
       * the copy different from the pool, the promotion stops copying, gives the tenant its writes
       * in the pool back and waits for a human (the Tenant's bulkhead.dev/retry-promotion annotation).
       */
      promotion: z.strictObject({ maxVerificationFailures: z.int().min(1).max(100).default(3) }).default({ maxVerificationFailures: 3 }),
    })
    .default({ snapshotDir: '/var/lib/bulkhead/snapshots', promotion: { maxVerificationFailures: 3 } }),
  /**
   * Backups of tenant databases to an S3-compatible object store (docs/operator.md, Backups):
   * sealed under each tenant's own KMS key, on each plan's schedule (TenantPlan spec.backup), and
   * the Snapshot deletion policy's dump too. Off when absent. The operator needs s3:PutObject,
   * s3:GetObject, s3:DeleteObject on `<bucket>/<prefix>*` and s3:ListBucket with that prefix.
   */
  backups: z
    .strictObject({
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name (3-63 of a-z, 0-9, ".", "-")' }),
      region: z.string().min(1),
      /** Default: AWS's own S3 endpoint for the region; set it for another S3 API or an emulator. */
      endpoint: z.url().optional(),
      /** Bucket in the path, not the host name: most non-AWS stores and emulators need it. */
      forcePathStyle: z.boolean().default(false),
      /** Every key the operator writes starts with it; scope its IAM policy to it. */
      prefix: z
        .string()
        .regex(/^([a-z0-9][a-z0-9._-]*\/)*$/, { error: 'must be empty or path segments each ending in "/", such as bulkhead/' })
        .default('bulkhead/'),
      /** A Secret (keys `accessKeyId`, `secretAccessKey`); default the AWS SDK's credential chain. */
      credentialsSecret: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }).optional(),
      /** Where a dump and its ciphertext are made (0700, emptied after each backup); on the snapshot volume by default. */
      workDir: z.string().min(1).default('/var/lib/bulkhead/snapshots/backup-work'),
      /** How often the leader looks for tenants whose backup is due. */
      checkIntervalSeconds: z.int().min(10).max(3600).default(60),
      /** How long one pg_dump or pg_restore may take. */
      timeoutSeconds: z.int().min(60).max(86400).default(1800),
      /**
       * The operator's own IAM identity; {partition}, {accountId}. Each tenant key's policy lets it
       * generate and open data keys only under that tenant's context with purpose=backup
       * (decision 0045), which is all a backup or a restore needs and cannot open the app's data.
       */
      operatorPrincipalTemplate: z.string().min(1).default('arn:{partition}:iam::{accountId}:role/bulkhead-operator'),
    })
    .optional(),
  encryption: z
    .strictObject({
      /** Days KMS waits before destroying a deleted tenant's key (AWS allows 7 to 30). */
      pendingWindowDays: z.int().min(7).max(30).default(30),
      /** The tenant workload identity the key policy names; {partition}, {accountId}, {tenant}. */
      principalTemplate: z.string().min(1).default('arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}'),
      /**
       * The operator's own IAM identity; {partition}, {accountId}. A region's pool key (plans with
       * isolation.key Shared, decision 0049) lets it grant and wrap data keys, never decrypt. The
       * same default as backups.operatorPrincipalTemplate: one operator, one identity.
       */
      operatorPrincipalTemplate: z.string().min(1).default('arn:{partition}:iam::{accountId}:role/bulkhead-operator'),
    })
    .default({
      pendingWindowDays: 30,
      principalTemplate: 'arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}',
      operatorPrincipalTemplate: 'arn:{partition}:iam::{accountId}:role/bulkhead-operator',
    }),
  network: z
    .strictObject({
      ingressNamespace: z.string().min(1).default('ingress-nginx'),
      dnsNamespace: z.string().min(1).default('kube-system'),
      dnsPodLabels: z.record(z.string(), z.string()).default({ 'k8s-app': 'kube-dns' }),
      /** The cluster's DNS domain: an ExternalName Service may not point under it. */
      clusterDomain: DomainSchema.default('cluster.local'),
      /**
       * The cluster's own ranges, which a tenant's declared egress CIDRs never reach (they become
       * `except` entries). Without pods and services, `0.0.0.0/0` would reach the whole cluster:
       * the operator warns at start and the audit reports it.
       */
      clusterCIDRs: z
        .strictObject({
          pods: z.array(CidrSchema).default([]),
          services: z.array(CidrSchema).default([]),
          nodes: z.array(CidrSchema).default([]),
        })
        .default({ pods: [], services: [], nodes: [] }),
      /** Other platform ranges tenants must not reach through declared egress (load balancers, bastions). */
      platformCIDRs: z.array(CidrSchema).default([]),
      /** Each tenant may serve `<tenant>.<baseDomain>` (and its subdomains) through the ingress controller. */
      baseDomain: DomainSchema.optional(),
    })
    .default({
      ingressNamespace: 'ingress-nginx',
      dnsNamespace: 'kube-system',
      dnsPodLabels: { 'k8s-app': 'kube-dns' },
      clusterDomain: 'cluster.local',
      clusterCIDRs: { pods: [], services: [], nodes: [] },
      platformCIDRs: [],
    }),
  /**
   * The ValidatingAdmissionPolicies the operator installs and keeps: what owners (and charts) may
   * create in a tenant namespace. Off only on a cluster without the admissionregistration.k8s.io/v1
   * ValidatingAdmissionPolicy API (before Kubernetes 1.30); see docs/decisions/0008.
   */
  admissionPolicies: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  /**
   * The isolation audit the leader runs periodically: it sets each Tenant's IsolationVerified
   * condition, counts findings in metrics and publishes the latest signed report.
   */
  audit: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalSeconds: z.int().min(60).max(86400).default(600),
      /** Wait after gaining leadership, so the first audit sees tenants the restart caught up on. */
      initialDelaySeconds: z.int().min(0).max(3600).default(60),
      /**
       * The longest one pass may run; a pass still running then is stopped and counts as failed
       * (every IsolationVerified Unknown). Each pass is a child process (docs/decisions/0068), so a
       * pass hung on a stalled server cannot stop the audit for good.
       */
      passTimeoutSeconds: z.int().min(60).max(86400).default(3600),
      /** A Secret (key `private.pem`, an Ed25519 key in PKCS#8 PEM) that signs the reports; unsigned without it. */
      signingKeySecret: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }).optional(),
      /** The ConfigMap in the operator's namespace that holds the latest report (gzip), read by the onboarding API. */
      reportConfigMap: z.string().min(1).default('bulkhead-audit-report'),
      /**
       * A report too large for one ConfigMap is published in parts `<reportConfigMap>-part-1..N`
       * under a manifest (docs/decisions/0024); at most this many, which the chart's RBAC names.
       */
      reportParts: z.int().min(1).max(64).default(16),
      /** The database login matrix: which logins each audit tries (data/login-sample.ts, docs/decisions/0024). */
      databaseLogins: z
        .strictObject({
          /** Other tenants' databases each tenant's credentials try, by a rotation that covers every pair over successive intervals. */
          rotatingPerTenant: z.int().min(0).max(1000).default(8),
          /** And this many more, drawn anew each run from a recorded random seed. */
          randomPerTenant: z.int().min(0).max(1000).default(8),
        })
        .default({ rotatingPerTenant: 8, randomPerTenant: 8 }),
      /**
       * Probes on the wire in every periodic audit (docs/decisions/0020): short-lived probe pods in
       * each tenant namespace. Needs the chart's audit.probes (pod create/get/delete in tenant
       * namespaces) and the probe image on the nodes.
       */
      probes: z
        .strictObject({
          enabled: z.boolean().default(false),
          image: z.string().min(1).default('bulkhead.dev/probe:local'),
          concurrency: z.int().min(1).max(64).default(4),
          /** Seconds a trying pod waits before it tries, so the enforcer has programmed its rules (wire/pods.ts). */
          settleSeconds: z.int().min(0).max(120).default(5),
        })
        .default({ enabled: false, image: 'bulkhead.dev/probe:local', concurrency: 4, settleSeconds: 5 }),
    })
    .default({
      enabled: true,
      intervalSeconds: 600,
      initialDelaySeconds: 60,
      passTimeoutSeconds: 3600,
      reportConfigMap: 'bulkhead-audit-report',
      reportParts: 16,
      databaseLogins: { rotatingPerTenant: 8, randomPerTenant: 8 },
      probes: { enabled: false, image: 'bulkhead.dev/probe:local', concurrency: 4, settleSeconds: 5 },
    }),
});

export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;

/** Parses a configuration, naming the field and the rule of the first problem. */
export function parseOperatorConfig(input: unknown): OperatorConfig {
  const result = OperatorConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`invalid operator configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
