/**
 * Running the onboarding API in a spec: the real app on 127.0.0.1:0 in front of the real control
 * plane, tokens minted into a Secret of this run's own, an audit trail in a PostgreSQL database of
 * this run's own (created on the first listen), and a small fetch wrapper.
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { testEnvironment } from '@bulkhead/testenv';
import { createApp } from '../../src/api-server/app.js';
import type { AuditEntry, AuditRecord } from '../../src/api-server/audit-trail/record.js';
import { PgAuditTrail, type AuditTrail } from '../../src/api-server/audit-trail/store.js';
import type { AppDeps } from '../../src/api-server/deps.js';
import type { Role } from '../../src/api-server/roles.js';
import { LocalRateLimit } from '../../src/api-server/rate-limit/local.js';
import { KubeRestoreStore } from '../../src/api-server/restore-store.js';
import { KubeTenantStore } from '../../src/api-server/tenant-store.js';
import { KubeTokenStore } from '../../src/api-server/token-store.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger } from '../../src/runtime/logging.js';
import { createTrailDatabase, type TrailDatabase } from './audit-trail-database.js';

export interface RunningApi {
  url: string;
  /** Open client connections, for a spec that waits until the server has seen a client hang up. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

/** A fresh suffix per run, so specs against a reused environment never meet earlier tenants. */
export const runId = randomBytes(3)
  .toString('hex')
  .replace(/^[0-9]/, 'x');

/** The audit trail database the fixture's apps share, created once per run, dropped after it. */
let sharedTrail: Promise<TrailDatabase> | undefined;
const sharedTrailDatabase = (): Promise<TrailDatabase> => (sharedTrail ??= createTrailDatabase(`api_audit_${runId}`));
after(async function () {
  if (sharedTrail) await (await sharedTrail).drop();
});

/** The fixture's trail: connects, as the API's INSERT-and-SELECT role, on its first append. */
class SharedAuditTrail implements AuditTrail {
  private trail: Promise<PgAuditTrail> | undefined;

  async append(entry: AuditEntry): Promise<AuditRecord> {
    this.trail ??= sharedTrailDatabase().then((database) => new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true }));
    return (await this.trail).append(entry);
  }

  async close(): Promise<void> {
    await (await this.trail)?.close();
  }
}

export async function listen(deps: AppDeps): Promise<RunningApi> {
  const trail = deps.auditTrail instanceof SharedAuditTrail ? deps.auditTrail : undefined;
  const server: Server = await new Promise((resolve) => {
    const started = createApp(deps).listen(0, '127.0.0.1', () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await trail?.close();
    },
  };
}

export interface ApiFixture {
  client: KubeClient;
  tenants: KubeTenantStore;
  tokens: KubeTokenStore;
  tokenSecret: { namespace: string; name: string };
  deps(overrides?: Partial<AppDeps>): AppDeps;
  mint(role: Role, name?: string): Promise<string>;
}

export function apiFixture(): ApiFixture {
  const client = KubeClient.load(testEnvironment().kubeconfig);
  const tokenSecret = { namespace: 'default', name: `api-tokens-${runId}` };
  const tokens = new KubeTokenStore({ client, secret: tokenSecret, cacheMs: 0 });
  const tenants = new KubeTenantStore(client);
  let minted = 0;
  return {
    client,
    tenants,
    tokens,
    tokenSecret,
    // A spec sends many calls from one token within seconds, more than the default bucket (60, then
    // 10 a second) holds on a busy machine, and a 429 there is noise: the fixture's limiter never
    // refuses. The specs of rate limiting pass their own small one.
    deps: (overrides = {}) => ({
      tenants,
      restores: new KubeRestoreStore(client),
      auth: { tokens },
      logger: createLogger({ silent: true }),
      auditTrail: new SharedAuditTrail(),
      rateLimit: new LocalRateLimit({ capacity: 1_000_000, refillPerSecond: 1_000_000 }),
      ...overrides,
    }),
    mint: (role, name) => tokens.create(name ?? `${role}-${(minted += 1)}`, role),
  };
}

export interface Call {
  token?: string;
  body?: unknown;
  /** Sent as-is instead of JSON.stringify(body). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function call(api: RunningApi, method: string, path: string, options: Call = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.url}${path}`, { method, headers: { ...headers, ...options.headers }, body: payload });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

function asHeaders(incoming: IncomingHttpHeaders): Headers {
  return new Headers(
    Object.entries(incoming).flatMap(([name, value]): [string, string][] =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]],
    ),
  );
}

/**
 * Like call, but sends `target` exactly as given as the request target: fetch would resolve dot
 * segments, merge slashes and escape characters first, which is what the path spelling spec must
 * not let happen. `target` may also be an absolute URL (the absolute-form a proxy sends).
 */
export async function rawCall(api: RunningApi, method: string, target: string, options: Call = {}): Promise<Reply> {
  const { hostname, port } = new URL(api.url);
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    // Content-Length by hand: node sends a DELETE's body without one, which the server then reads as the next request.
    ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: hostname, port, method, path: target, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          headers: asHeaders(response.headers),
          body: text ? (JSON.parse(text) as unknown) : undefined,
        });
      });
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(payload);
  });
}

export function newTenant(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    displayName: `Tenant ${name}`,
    plan: 'standard',
    region: 'eu-central-1',
    owners: [{ kind: 'Group', name: `${name}-admins` }],
    ...extra,
  };
}
