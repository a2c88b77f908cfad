/**
 * The HTTP transport to kube-apiserver. Authentication and TLS settings come from ClusterAccess
 * (cluster-access.ts: kubeconfig files, in-cluster service-account tokens, and through
 * client-node's KubeConfig exec plugins), and requests go through one keep-alive agent:
 * client-node 1.x builds a new agent for every request, which costs a TLS handshake each time and
 * dominates an operator's traffic.
 * Server-side apply of the status subresource and streaming watches with our own backoff also need
 * more control than its generated clients give.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ClusterAccess } from './cluster-access.js';
import { KubeApiError, type Status } from './errors.js';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Act as this identity (Impersonate-User/Impersonate-Group); the caller needs the impersonate verb. */
  impersonate?: { user: string; groups: string[] };
}

/** Bounds for one client's requests; absent, a request may wait 30 s for an answer and the OS's connect timeout. */
export interface TransportLimits {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Counts requests by verb, for the operator's efficiency metrics (writes in steady state must be 0). */
export type RequestObserver = (method: string, path: string, status: number) => void;

/**
 * The resource a request path addresses ("tenants", "leases", "namespaces/status"), so metrics can
 * tell, say, leader-election renewals from reconcile writes.
 */
export function resourceOf(path: string): string {
  const segments = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  // Drop "api/v1" or "apis/<group>/<version>".
  const rest = segments.slice(segments[0] === 'api' ? 2 : 3);
  const named = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const [resource = '', , subresource] = named;
  return subresource ? `${resource}/${subresource}` : resource;
}

export class Transport {
  private agent: Agent | undefined;
  /** The API server's URL, as the kubeconfig names it. */
  readonly server: URL;

  constructor(
    private readonly access: ClusterAccess,
    private readonly observe: RequestObserver = () => {},
    private readonly limits: TransportLimits = {},
  ) {
    this.server = access.server;
  }

  /** Sends a request and parses the JSON response, throwing KubeApiError for non-2xx answers. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const response = await this.open(spec);
    const text = await readBody(response);
    const status = response.statusCode ?? 0;
    this.observe(spec.method, spec.path, status);
    if (status < 200 || status > 299) throw KubeApiError.fromResponse(status, text, spec);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Opens a streaming GET (a watch); the caller reads the response. */
  async stream(spec: RequestSpec): Promise<IncomingMessage> {
    const response = await this.open(spec);
    const status = response.statusCode ?? 0;
    this.observe(spec.method, spec.path, status);
    if (status !== 200) throw KubeApiError.fromResponse(status, await readBody(response), spec);
    return response;
  }

  private async open(spec: RequestSpec): Promise<IncomingMessage> {
    // Re-read per request: service-account tokens are rotated on disk.
    const credentials = await this.access.credentials();
    this.agent ??= new Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: credentials.ca,
      cert: credentials.cert,
      key: credentials.key,
      rejectUnauthorized: credentials.rejectUnauthorized,
      servername: credentials.servername,
    });
    const url = new URL(spec.path, this.server);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string | string[]> = {
      ...credentials.headers,
      accept: 'application/json',
      ...impersonationHeaders(spec),
    };
    if (body !== undefined) {
      headers['content-type'] = spec.contentType ?? 'application/json';
      // Always a Content-Length: Node sends a DELETE body without one, kube-apiserver answers (say,
      // 404) without reading it, and the leftover bytes then corrupt the next request on this
      // keep-alive connection ("400 Bad Request").
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: spec.method, headers, agent: this.agent, signal: spec.signal }, resolve);
      req.setTimeout(spec.timeoutMs ?? this.limits.requestTimeoutMs ?? 30_000, () =>
        req.destroy(new Error(`${spec.method} ${spec.path}: no answer`)),
      );
      if (this.limits.connectTimeoutMs !== undefined) limitConnect(req, this.limits.connectTimeoutMs, this.server.host);
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}

/**
 * Fails a request whose TCP and TLS connection is not up within `ms`: a server that is down or
 * black-holed is then told apart from a slow answer in seconds, not after the request timeout.
 * A reused keep-alive socket is already connected and is not limited.
 */
function limitConnect(req: ClientRequest, ms: number, host: string): void {
  req.once('socket', (socket: TLSSocket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => req.destroy(new Error(`could not connect to ${host} within ${ms} ms`)), ms);
    socket.once('secureConnect', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
  });
}

function impersonationHeaders(spec: RequestSpec): Record<string, string | string[]> {
  if (!spec.impersonate) return {};
  const { user, groups } = spec.impersonate;
  return groups.length > 0 ? { 'impersonate-user': user, 'impersonate-group': groups } : { 'impersonate-user': user };
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}

export type { Status };
