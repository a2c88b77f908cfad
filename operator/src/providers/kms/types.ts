/**
 * The shapes the KMS provider speaks in: where the KMS API of a region is, the tenant key it is
 * asked for, and what each operation reports back. No Kubernetes types: the tenant controller
 * translates a Tenant into a TenantKeySpec.
 */
import type { LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import type { PacerMetrics } from '../../runtime/pacer.js';
import type { KmsPacingOptions } from './pacing.js';

/** One region's KMS API: real AWS (no endpoint) or an emulator speaking the same protocol. */
export interface KmsEndpoint {
  region: string;
  /** The AWS account the keys live in; its root administers them (see buildKeyPolicy). */
  accountId: string;
  /** The ARN partition; default derived from the region (aws, aws-cn, aws-us-gov). */
  partition?: string;
  /** Default: AWS's own endpoint for the region. */
  endpoint?: string;
  /** Default: the SDK's credential chain (web identity, instance profile, environment). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface KmsProviderOptions {
  logger: Logger;
  /** How long to wait for a TCP connection; default 3000. */
  connectionTimeoutMillis?: number;
  /** How long to wait for a response; default 10000. */
  requestTimeoutMillis?: number;
  /** Attempts per request, including the SDK's retries of connection errors and 5xx (never of throttling); default 3. */
  maxAttempts?: number;
  /**
   * The region's request budgets: every request waits its turn at a pacer shared by every session
   * of the same account, region and endpoint in the process. Without, a session uses the pacer
   * already made for its region, or none.
   */
  pacing?: KmsPacingOptions;
  /** Where that pacer reports, per region. */
  pacingMetrics?: (region: string) => PacerMetrics;
}

/** One tenant's key, as derived from the Tenant. */
export interface TenantKeySpec {
  /** The tenant's name: a tag on the key and the encryption context its policy requires. */
  tenant: string;
  /** The tenant's UID: what makes a key this tenant's and not a former namesake's. */
  tenantUid: string;
  /** `alias/bulkhead/<tenant>`. */
  alias: string;
  /** The ARN of the tenant's workload identity, the only principal that may use the key freely. */
  principal: string;
  /**
   * The ARN of the operator's own identity when it backs tenants up: it may generate and open
   * data keys, and only under the tenant's context with purpose=backup (decision 0045).
   */
  backupPrincipal?: string;
  /** Whether KMS rotates the key material yearly. */
  rotation: boolean;
  /** The tenant is suspended: its key is disabled (key-suspension.ts), and enabled again on resume. */
  suspended?: boolean;
}

export interface TenantKey {
  keyId: string;
  arn: string;
  alias: string;
  /** True when this call created the key (not when it adopted one a crashed call had created). */
  created: boolean;
  /**
   * KMS's KeyState: Enabled normally; Disabled while the tenant is suspended, or when someone else
   * disabled it (Bulkhead leaves that alone).
   */
  state: string;
  /** Drift put back, in words ("alias", "key rotation", "key policy"); empty when none. */
  repaired: string[];
}

export interface TenantKeyDescription {
  keyId: string;
  arn: string;
  alias: string;
  state: string;
  /** Undefined when KMS cannot tell (a key pending deletion). */
  rotation: boolean | undefined;
  deletionDate: Date | undefined;
}

export interface KeyDeletion {
  keyId: string;
  /** When KMS will delete the key material for good. */
  deletionDate: Date;
}

/** The operations the tenant controller needs from a key provider. */
export interface TenantKeyProvider {
  ensureKey(spec: TenantKeySpec): Promise<TenantKey>;
  describe(spec: TenantKeySpec): Promise<TenantKeyDescription | undefined>;
  scheduleDeletion(spec: TenantKeySpec, pendingWindowDays: number, fence: LeadershipFence): Promise<KeyDeletion | undefined>;
  withSignal(signal: AbortSignal): TenantKeyProvider;
  close(): void;
}
