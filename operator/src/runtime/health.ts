/**
 * The operator's probe and metrics endpoint on plain node:http: /healthz (liveness), /readyz
 * (readiness, e.g. informers synced) and /metrics (Prometheus). Check output follows
 * controller-runtime's healthz format: one `[+]name ok` or `[-]name failed` line per check;
 * why a check failed goes to the log, not to the unauthenticated response.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errorFields, type Logger } from './logging.js';

/** Passes by returning true (or nothing); fails by returning false or throwing. */
export type HealthCheck = () => boolean | void | Promise<boolean | void>;

export interface HealthServerOptions {
  /** Default 127.0.0.1; use 0.0.0.0 in a pod so the kubelet can reach the probes. */
  host?: string;
  /** Default 8081 (controller-runtime's probe port); 0 picks a free port. */
  port?: number;
  /** Served at /metrics when given. */
  registry?: Registry;
  logger: Logger;
}

export class HealthServer {
  private readonly liveness = new Map<string, HealthCheck>();
  private readonly readiness = new Map<string, HealthCheck>();
  private readonly options: HealthServerOptions;
  private server: Server | undefined;

  constructor(options: HealthServerOptions) {
    this.options = options;
  }

  addLivenessCheck(name: string, check: HealthCheck): void {
    this.liveness.set(name, check);
  }

  addReadinessCheck(name: string, check: HealthCheck): void {
    this.readiness.set(name, check);
  }

  /** Listens and resolves with the address actually bound. */
  async start(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('health server already started');
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.options.logger.error('Health endpoint failed', { path: request.url, ...errorFields(error) });
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 8081, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = this.address();
    this.options.logger.info('Serving health probes and metrics', address);
    return address ?? { host: '', port: 0 };
  }

  /** The bound address, once started. */
  address(): { host: string; port: number } | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  /** Stops listening, drops idle keep-alive connections and resolves once closed. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'method not allowed\n');
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz' || path === '/livez') await this.runChecks(response, 'healthz', this.liveness);
    else if (path === '/readyz') await this.runChecks(response, 'readyz', this.readiness);
    else if (path === '/metrics' && this.options.registry) await this.serveMetrics(response, this.options.registry);
    else send(response, 404, 'not found\n');
  }

  private async runChecks(response: ServerResponse, endpoint: string, checks: Map<string, HealthCheck>): Promise<void> {
    const results = await Promise.all([...checks].map(async ([name, check]) => [name, await this.passes(name, check)] as const));
    const lines = results.map(([name, ok]) => (ok ? `[+]${name} ok` : `[-]${name} failed`));
    const healthy = results.every(([, ok]) => ok);
    lines.push(healthy ? `${endpoint} check passed` : `${endpoint} check failed`);
    send(response, healthy ? 200 : 500, `${lines.join('\n')}\n`);
  }

  private async passes(name: string, check: HealthCheck): Promise<boolean> {
    try {
      const ok = (await check()) !== false;
      if (!ok) this.options.logger.info('Health check failed', { check: name });
      return ok;
    } catch (error) {
      this.options.logger.warn('Health check failed', { check: name, ...errorFields(error) });
      return false;
    }
  }

  private async serveMetrics(response: ServerResponse, registry: Registry): Promise<void> {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(body);
  }
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(body);
}
