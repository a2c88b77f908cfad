/**
 * A minimal HTTPS client for the harness's own readiness checks (the operator has its own client
 * in operator/src/kube). It speaks to kube-apiserver with the admin client certificate.
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { ClientCertificate } from './certs.js';

export interface KubeTarget {
  server: string;
  caCert: string;
  client: ClientCertificate;
}

export interface KubeResponse {
  status: number;
  body: string;
}

export function kubeRequest(target: KubeTarget, method: string, path: string, body?: unknown): Promise<KubeResponse> {
  const url = new URL(path, target.server);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: readFileSync(target.caCert),
        cert: readFileSync(target.client.cert),
        key: readFileSync(target.client.key),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** GET over HTTPS without verifying the server, for loopback health endpoints with self-signed certs. */
export function insecureHealthCheck(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
