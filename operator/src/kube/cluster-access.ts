/**
 * Where kube-apiserver is and how to authenticate to it, read without loading
 * @kubernetes/client-node: importing it costs the operator 30-50 MiB of its memory at rest,
 * because its KubeConfig module imports every generated API (docs/decisions/0021). Read here:
 * the in-cluster ServiceAccount (its token re-read on every request, as kubelet rotates it) and
 * kubeconfig files with client certificates, bearer tokens, token files or basic auth. A user
 * this does not read (exec plugins, auth-providers, impersonation) gets its credentials from
 * client-node's KubeConfig, imported on the first request that needs it, so nothing is lost.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { currentContext, type KubeconfigCluster, type KubeconfigUser } from './kubeconfig.js';

/** What a request needs to reach and authenticate to kube-apiserver. */
export interface RequestCredentials {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  /** Authorization (and, from client-node, impersonation) headers. */
  headers: Record<string, string>;
}

export interface ClusterAccess {
  /** The API server's URL. */
  readonly server: URL;
  /** Credentials for the next request; tokens read from files are read again each time. */
  credentials(): Promise<RequestCredentials>;
}

export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

const fileOrData = (file: string | undefined, data: string | undefined): Buffer | undefined =>
  file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined;

function tlsOf(cluster: KubeconfigCluster, user: KubeconfigUser): Omit<RequestCredentials, 'headers'> {
  return {
    ca: fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']),
    cert: fileOrData(user['client-certificate'], user['client-certificate-data']),
    key: fileOrData(user['client-key'], user['client-key-data']),
    ...(cluster['insecure-skip-tls-verify'] ? { rejectUnauthorized: false } : {}),
    ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
  };
}

function authorization(user: KubeconfigUser): Record<string, string> {
  if (user.token) return { authorization: `Bearer ${user.token}` };
  if (user.tokenFile) return { authorization: `Bearer ${readFileSync(user.tokenFile, 'utf8').trim()}` };
  if (user.username !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` };
  }
  return {};
}

/** Credentials computed by client-node's KubeConfig, imported on first use only. */
function clientNodeCredentials(file: string, context?: string): () => Promise<RequestCredentials> {
  let loaded: Promise<{ applyToHTTPSOptions(options: RequestOptions): Promise<void> }> | undefined;
  return async () => {
    loaded ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const config = new KubeConfig();
      config.loadFromFile(file);
      if (context !== undefined) config.setCurrentContext(context);
      return config;
    });
    const options: RequestOptions = { headers: {} };
    await (await loaded).applyToHTTPSOptions(options);
    const headers = { ...(options.headers as Record<string, string>) };
    if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const asBuffer = (value: unknown): Buffer | undefined => (value === undefined ? undefined : Buffer.from(value as Buffer | string));
    return {
      ca: asBuffer(options.ca),
      cert: asBuffer(options.cert),
      key: asBuffer(options.key),
      headers,
      ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
    };
  };
}

/** The kubeconfig file's current context, or the one named `context`. */
export function fromKubeconfig(file: string, context?: string): ClusterAccess {
  const { cluster, user, foreignUserFields } = currentContext(readFileSync(file, 'utf8'), file, context);
  const server = new URL(cluster.server);
  if (foreignUserFields.length > 0) return { server, credentials: clientNodeCredentials(file, context) };
  const tls = tlsOf(cluster, user);
  return { server, credentials: () => Promise.resolve({ ...tls, headers: authorization(user) }) };
}

/**
 * A kubeconfig held in memory (a Secret's value), named by `source` in errors. Only what this
 * module reads natively is accepted: an exec plugin or auth-provider would run a program or read
 * files on the reader's machine, which a kubeconfig taken from a Secret must never make it do.
 */
export function fromKubeconfigText(text: string, source: string): ClusterAccess {
  const { cluster, user, foreignUserFields } = currentContext(text, source);
  if (foreignUserFields.length > 0)
    throw new Error(`kubeconfig ${source}: user fields ${foreignUserFields.join(', ')} are not supported here`);
  const fileFields = [cluster['certificate-authority'], user['client-certificate'], user['client-key'], user.tokenFile];
  if (fileFields.some((field) => field !== undefined))
    throw new Error(`kubeconfig ${source} refers to files; embed certificates and tokens as *-data and token instead`);
  const tls = tlsOf(cluster, user);
  return { server: new URL(cluster.server), credentials: () => Promise.resolve({ ...tls, headers: authorization(user) }) };
}

/** The ServiceAccount a pod runs as; `dir` holds its token and the cluster's CA. */
export function inCluster(env: NodeJS.ProcessEnv = process.env, dir = serviceAccountDir): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  const ca = readFileSync(join(dir, 'ca.crt'));
  const tokenFile = join(dir, 'token');
  return {
    server: new URL(`https://${isIPv6(host) ? `[${host}]` : host}:${port}`),
    credentials: () => Promise.resolve({ ca, headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` } }),
  };
}

/**
 * A kubeconfig file when given, else ~/.kube/config when it exists, else the pod's ServiceAccount.
 * `context` picks a kubeconfig context other than the current one; a ServiceAccount has none.
 */
export function loadClusterAccess(kubeconfigPath?: string, context?: string): ClusterAccess {
  if (kubeconfigPath) return fromKubeconfig(kubeconfigPath, context);
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfig(home, context);
  if (context !== undefined) throw new Error(`context "${context}" needs a kubeconfig: set KUBECONFIG or --kubeconfig, or create ${home}`);
  if (existsSync(join(serviceAccountDir, 'token'))) return inCluster();
  throw new Error(`no cluster to talk to: set KUBECONFIG, create ${home}, or run in a pod with a ServiceAccount token`);
}
