/**
 * The stack's configuration (`pulumi config`), read once and validated with zod before any
 * resource is declared. Every problem names the config key it came from
 * (`bulkhead:regions.eu-central-1.database.password`) and the rule, and nothing is created.
 */
import { isAbsolute, resolve } from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { projectDir } from './paths.js';

/** Same rule as the operator's `regions` keys (operator/src/api/operator-config.ts). */
const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'must be a region name like eu-central-1');

const dns1123Label = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lower-case letters, digits, "-")');

/**
 * `pulumi config set --path` stores digits as a number: an all-digit password or account id must
 * still read as the text it was typed as.
 */
const text = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (typeof value === 'number' ? String(value) : value), schema);

const RegionSchema = z.strictObject({
  database: z.strictObject({
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535).default(5432),
    /** The server's admin login; it goes into the region's Secret, never into the chart values. */
    username: text(z.string().min(1)),
    password: text(z.string().min(1)),
  }),
  kms: z
    .strictObject({
      accountId: text(
        z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id (quote it, or set it with --type string, to keep leading zeros)'),
      ),
      /** Default: AWS's endpoint for the region; set it for an emulator. */
      endpoint: z.url().optional(),
      /** Static credentials for KMS; without them the operator uses the AWS SDK's credential chain. */
      accessKeyId: text(z.string().min(1)).optional(),
      secretAccessKey: text(z.string().min(1)).optional(),
    })
    .refine((kms) => (kms.accessKeyId === undefined) === (kms.secretAccessKey === undefined), {
      message: 'accessKeyId and secretAccessKey must be set together (or neither, for the AWS credential chain)',
      path: ['secretAccessKey'],
    }),
});

const chartValuesSchema = z.record(z.string(), z.unknown()).superRefine((values, context) => {
  const operator = values['operator'] as { config?: { regions?: unknown } } | undefined;
  if (operator?.config?.regions !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['operator', 'config', 'regions'],
      message: 'is generated from bulkhead:regions (so the Secrets and the operator agree); set the regions there',
    });
  }
});

/** Where the chart's onboarding API reads its audit trail URL (charts/bulkhead/values.yaml, api.auditTrail). */
interface ApiValues {
  enabled?: boolean;
  auditTrail?: { disabled?: boolean; urlSecret?: { name?: string; key?: string } };
}

export function apiValues(chartValues: Record<string, unknown>): ApiValues {
  const api: unknown = chartValues['api'];
  if (typeof api !== 'object' || api === null) return {};
  return api;
}

/** The API refuses to start without its audit trail unless the trail is explicitly disabled. */
export function needsAuditTrailUrl(chartValues: Record<string, unknown>): boolean {
  const api = apiValues(chartValues);
  return api.enabled !== false && api.auditTrail?.disabled !== true;
}

export const StackConfigSchema = z
  .strictObject({
    /**
     * The kubeconfig of the target cluster (a path, relative to pulumi/). Required: the program
     * never falls back to $KUBECONFIG or ~/.kube/config, so it cannot touch a cluster by accident.
     */
    kubeconfig: z.string({ error: "is required: the path of the target cluster's kubeconfig" }).min(1),
    /** A context of that kubeconfig; default its current-context. */
    context: z.string().min(1).optional(),
    /** Where the operator, its API and the region Secrets live. */
    namespace: dns1123Label.default('bulkhead-system'),
    /** The Pod Security Standards version the namespace's `restricted` labels are pinned to. */
    podSecurityVersion: z
      .string()
      .regex(/^(latest|v1\.\d+)$/, 'must be "latest" or v1.<minor>')
      .default('v1.36'),
    releaseName: dns1123Label.max(53).default('bulkhead'),
    /** Values for charts/bulkhead, passed through as they are (see charts/bulkhead/values.yaml). */
    chartValues: chartValuesSchema.default({}),
    regions: z.record(regionName, RegionSchema).default({}),
    /**
     * The onboarding API's audit trail, postgres://user:password@host:port/database. Goes into the
     * Secret the chart names (api.auditTrail.urlSecret), never into the values.
     */
    apiAuditTrailUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
      .optional(),
    /**
     * A folder of packaged product charts (relative to pulumi/), installed as the ConfigMap the
     * operator mounts as its chart repository (chart-repository.ts).
     */
    chartRepository: z.string().min(1).optional(),
  })
  .superRefine((config, context) => {
    if (config.apiAuditTrailUrl === undefined && needsAuditTrailUrl(config.chartValues)) {
      context.addIssue({
        code: 'custom',
        path: ['apiAuditTrailUrl'],
        message:
          'is required while the onboarding API runs with its audit trail (or set chartValues.api.auditTrail.disabled: true, and tell your auditors)',
      });
    }
  });

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type RegionConfig = StackConfig['regions'][string];

const objectKeys = ['chartValues', 'regions'] as const;
const stringKeys = [
  'kubeconfig',
  'context',
  'namespace',
  'podSecurityVersion',
  'releaseName',
  'apiAuditTrailUrl',
  'chartRepository',
] as const;

/** Reads the stack's settings; throws one error naming every bad key. */
export function loadStackConfig(config: pulumi.Config): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const key of stringKeys) raw[key] = config.get(key);
  for (const key of objectKeys) raw[key] = readObject(config, key);
  const result = StackConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`invalid stack configuration: ${result.error.issues.map((issue) => describeIssue(config.name, issue)).join('; ')}`);
  }
  const { kubeconfig, chartRepository } = result.data;
  return {
    ...result.data,
    kubeconfig: resolveFromProject(kubeconfig),
    ...(chartRepository === undefined ? {} : { chartRepository: resolveFromProject(chartRepository) }),
  };
}

function readObject(config: pulumi.Config, key: string): unknown {
  const text = config.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(
      `invalid stack configuration: ${config.name}:${key}: must be an object (set it with \`pulumi config set --path '${key}.<field>' <value>\`)`,
    );
  }
}

/** `bulkhead:regions.eu-central-1.database.password: is required (...)`. */
function describeIssue(namespace: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const key = `${namespace}:${path.join('.')}`;
  return `${key}: ${issueMessage(issue)}${secretHint(path)}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => inner.message).join(', ');
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'is required';
  return issue.message;
}

/** Passwords belong in encrypted config: say how to set one, never echo a value. */
function secretHint(path: string[]): string {
  const last = path.at(-1);
  if (last !== 'password' && last !== 'secretAccessKey' && last !== 'apiAuditTrailUrl') return '';
  return ` (set it with \`pulumi config set --secret --path '${path.join('.')}' <value>\`)`;
}

function resolveFromProject(path: string): string {
  return isAbsolute(path) ? path : resolve(projectDir, path);
}
