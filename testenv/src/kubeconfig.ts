/** Writing kubeconfig files with the certificates embedded, so each file stands on its own. */
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ClientCertificate } from './certs.js';

const base64File = (path: string): string => readFileSync(path).toString('base64');

export interface KubeconfigSpec {
  server: string;
  caCert: string;
  user: string;
  client: ClientCertificate;
}

export function writeKubeconfig(path: string, { server, caCert, user, client }: KubeconfigSpec): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bulkhead-local', cluster: { server, 'certificate-authority-data': base64File(caCert) } }],
    users: [
      {
        name: user,
        user: { 'client-certificate-data': base64File(client.cert), 'client-key-data': base64File(client.key) },
      },
    ],
    contexts: [{ name: 'bulkhead-local', context: { cluster: 'bulkhead-local', user } }],
    'current-context': 'bulkhead-local',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
