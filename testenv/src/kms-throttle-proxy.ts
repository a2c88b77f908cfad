/**
 * A throttling proxy in front of the KMS emulator. moto answers every request however fast it
 * comes; real AWS KMS allows each account a quota of requests per second per operation and region
 * (about 5 for CreateKey, CreateAlias, EnableKeyRotation, ...) and answers the rest with
 * ThrottlingException. This proxy plays that part: per region (read from the request's SigV4
 * credential scope) and per throttled operation, a bucket of `requestsPerSecond`; a request
 * beyond it gets AWS's answer, HTTP 400 `{"__type":"ThrottlingException","message":"Rate
 * exceeded"}`, and never reaches moto. It records when every request arrived, so a spec can count
 * what the operator sent. Listens on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** The operations AWS KMS holds to about 5 requests/s per account and region (its request quotas). */
export const kmsMutatingOperations = [
  'CreateKey',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'PutKeyPolicy',
  'TagResource',
  'UntagResource',
  'EnableKeyRotation',
  'DisableKeyRotation',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
];

export interface KmsThrottleOptions {
  /** Requests per second each throttled operation may make per region; above it: ThrottlingException. */
  requestsPerSecond: number;
  /** Which operations are throttled; default kmsMutatingOperations. */
  operations?: readonly string[];
}

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  at: number;
  region: string;
  operation: string;
  throttled: boolean;
}

export class KmsThrottleProxy {
  readonly requests: ProxiedRequest[] = [];
  private readonly buckets = new Map<string, { tokens: number; last: number }>();
  private port = 0;

  private readonly server: Server;

  private constructor(
    private readonly target: URL,
    private options: KmsThrottleOptions,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Starts a proxy on a free loopback port in front of `targetUrl` (moto's http://127.0.0.1:port). */
  static async start(targetUrl: string, options: KmsThrottleOptions): Promise<KmsThrottleProxy> {
    const proxy = new KmsThrottleProxy(new URL(targetUrl), options);
    const { server } = proxy;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Changes the rate from now on. */
  setRate(requestsPerSecond: number): void {
    this.options = { ...this.options, requestsPerSecond };
  }

  /** How many requests of each operation reached moto, and how many were throttled. */
  counts(): Record<string, { forwarded: number; throttled: number }> {
    const counts: Record<string, { forwarded: number; throttled: number }> = {};
    for (const { operation, throttled } of this.requests) {
      const count = (counts[operation] ??= { forwarded: 0, throttled: 0 });
      if (throttled) count.throttled += 1;
      else count.forwarded += 1;
    }
    return counts;
  }

  /** The most requests of one operation in one region that arrived within any `windowMs` (throttled ones included). */
  mostInAnyWindow(operation: string, windowMs = 1000): number {
    let most = 0;
    const byRegion = new Map<string, number[]>();
    for (const r of this.requests) if (r.operation === operation) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r.at]);
    for (const times of byRegion.values()) {
      let first = 0;
      for (let last = 0; last < times.length; last++) {
        while ((times[last] ?? 0) - (times[first] ?? 0) >= windowMs) first += 1;
        most = Math.max(most, last - first + 1);
      }
    }
    return most;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '') || 'unknown';
    const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unknown';
    const throttled = (this.options.operations ?? kmsMutatingOperations).includes(operation) && !this.take(`${region}/${operation}`);
    this.requests.push({ at: performance.now(), region, operation, throttled });
    if (throttled) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      return;
    }
    this.forward(req, body, res);
  }

  /** A token from the operation's bucket (capacity one second's worth, at least one request), if there is one. */
  private take(key: string): boolean {
    const rate = this.options.requestsPerSecond;
    const capacity = Math.max(1, rate);
    const now = performance.now();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, last: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.last) / 1000) * rate);
    bucket.last = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const upstream = httpRequest(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
