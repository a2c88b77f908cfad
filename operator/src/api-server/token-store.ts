/**
 * API tokens kept in one Kubernetes Secret (default bulkhead-system/bulkhead-api-tokens): one data
 * key per token name holding JSON {hash, role, created}. Only hashes are stored. The API re-reads
 * the Secret at most every few seconds, so a revoked token stops working within that time.
 */
import type { KubeClient } from '../kube/client.js';
import type { Principal, Role } from './roles.js';
import { findToken, generateToken, hashToken, TokenRecordSchema, type TokenRecord } from './token-hash.js';

export interface TokenSecretRef {
  namespace: string;
  name: string;
}

export const defaultTokenSecret: TokenSecretRef = { namespace: 'bulkhead-system', name: 'bulkhead-api-tokens' };

/** How the API checks a presented token. */
export interface TokenStore {
  verify(token: string): Promise<Principal | undefined>;
}

interface SecretObject {
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
}

const fieldManager = 'bulkhead-api';

export class KubeTokenStore implements TokenStore {
  private cache: { records: Map<string, TokenRecord>; readAtMs: number } | undefined;
  private reading: Promise<Map<string, TokenRecord>> | undefined;

  constructor(
    private readonly options: {
      client: KubeClient;
      secret?: TokenSecretRef;
      cacheMs?: number;
      now?: () => Date;
    },
  ) {}

  private get secret(): TokenSecretRef {
    return this.options.secret ?? defaultTokenSecret;
  }

  private get ref() {
    return { apiVersion: 'v1', kind: 'Secret', ...this.secret };
  }

  async verify(token: string): Promise<Principal | undefined> {
    const now = this.options.now?.() ?? new Date();
    const found = findToken(token, await this.records(now.getTime()), now);
    return found ? { id: `token:${found.name}`, role: found.record.role } : undefined;
  }

  /**
   * The stored records; a malformed entry is skipped (it can never match), not fatal. When the
   * cache has expired, the requests arriving meanwhile share one read of the Secret rather than
   * each sending their own (at 1000 requests/s, a few to a dozen GETs every 5 s, decision 0064);
   * that read started after the cache expired, so a revoked token still stops within cacheMs.
   */
  async records(nowMs = Date.now(), fresh = false): Promise<Map<string, TokenRecord>> {
    if (!fresh) {
      const cached = this.cached(nowMs);
      if (cached) return cached;
    }
    const reading = this.read(nowMs);
    if (!fresh) this.reading = reading;
    try {
      return await reading;
    } finally {
      if (this.reading === reading) this.reading = undefined;
    }
  }

  /** The cached records while they are fresh, else the read under way, if any. */
  private cached(nowMs: number): Map<string, TokenRecord> | Promise<Map<string, TokenRecord>> | undefined {
    if (this.cache && nowMs - this.cache.readAtMs < (this.options.cacheMs ?? 5000)) return this.cache.records;
    return this.reading;
  }

  private async read(nowMs: number): Promise<Map<string, TokenRecord>> {
    const records = decodeRecords(await this.options.client.get<SecretObject>(this.ref));
    this.cache = { records, readAtMs: nowMs };
    return records;
  }

  /** Mints a token, stores its hash under `name` and returns the token (shown once, never stored). */
  async create(name: string, role: Role, now = new Date()): Promise<string> {
    if ((await this.records(Date.now(), true)).has(name)) throw new Error(`a token named ${name} already exists; revoke it first`);
    const token = generateToken();
    const record: TokenRecord = { hash: hashToken(token), role, created: now.toISOString() };
    const data = { [name]: Buffer.from(JSON.stringify(record)).toString('base64') };
    const existing = await this.options.client.get(this.ref);
    if (existing) {
      await this.options.client.mergePatch(this.ref, { data }, { fieldManager });
    } else {
      await this.options.client.create({ ...this.ref, metadata: { ...this.secret }, type: 'Opaque', data } as never, { fieldManager });
    }
    this.cache = undefined;
    return token;
  }

  /** Removes a token; false when there was none of that name. */
  async revoke(name: string): Promise<boolean> {
    if (!(await this.records(Date.now(), true)).has(name)) return false;
    await this.options.client.mergePatch(this.ref, { data: { [name]: null } }, { fieldManager });
    this.cache = undefined;
    return true;
  }
}

function decodeRecords(secret: SecretObject | undefined): Map<string, TokenRecord> {
  const records = new Map<string, TokenRecord>();
  for (const [name, encoded] of Object.entries(secret?.data ?? {})) {
    const parsed = TokenRecordSchema.safeParse(parseJson(Buffer.from(encoded, 'base64').toString('utf8')));
    if (parsed.success) records.set(name, parsed.data);
  }
  return records;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
