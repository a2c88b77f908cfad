/**
 * Kubeconfigs for arbitrary users and groups, authenticated for real: a client certificate signed
 * by the cluster CA with CN=<user> and O=<group> per group. Tests use them to act as a tenant
 * owner or a stranger and see what RBAC and admission really allow.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './environment.js';
import { writeKubeconfig } from './kubeconfig.js';

export function issueUserKubeconfig(env: Environment, user: string, groups: string[] = []): string {
  const pki = join(env.dir, 'run', 'pki');
  const dir = mkdtempSync(join(env.dir, 'run', 'user-'));
  const subject = [...groups.map((g) => `/O=${escapeRdn(g)}`), `/CN=${escapeRdn(user)}`].join('');
  const key = join(dir, 'user.key');
  const csr = join(dir, 'user.csr');
  const cert = join(dir, 'user.crt');
  const ext = join(dir, 'user.ext');
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  execFileSync(
    'openssl',
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(pki, 'ca.crt'),
      '-CAkey',
      join(pki, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: env.server, caCert: join(pki, 'ca.crt'), user, client: { cert, key } });
  return kubeconfig;
}

/** openssl -subj treats / and + specially; escape them so a name is one attribute value. */
function escapeRdn(value: string): string {
  return value.replace(/[\\/+]/g, (c) => `\\${c}`);
}
