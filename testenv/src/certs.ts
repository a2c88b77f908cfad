/**
 * Fresh certificates for every control plane, made with the openssl command line: a cluster CA,
 * kube-apiserver's serving certificate, client certificates for the admin and for the
 * controller-manager and scheduler, the API server's client certificate for kubelets, and the
 * service-account signing key. The real node's certificates are signed by the same CA (node/certs.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClientCertificate {
  cert: string;
  key: string;
}

export interface ClusterCertificates {
  dir: string;
  caCert: string;
  caKey: string;
  serving: ClientCertificate;
  serviceAccountKey: string;
  serviceAccountPub: string;
  clients: Record<'admin' | 'controllerManager' | 'scheduler' | 'kwok' | 'apiserverKubeletClient', ClientCertificate>;
}

const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key and certificate signed by the CA in `dir` (ca.crt, ca.key). */
export function signed(dir: string, name: string, subject: string, extensions: string): ClientCertificate {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `${extensions}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  openssl(['req', ...curve, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '30',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

const clientUsage = 'extendedKeyUsage=clientAuth';

/**
 * `apiServerAddress` is where kube-apiserver listens (127.0.0.1, or the host's pod-network address
 * with a real node); `kubernetesServiceIP` is the `kubernetes` Service's ClusterIP that pods dial.
 */
export function generateCertificates(dir: string, apiServerAddress: string, kubernetesServiceIP: string): ClusterCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(
    [
      'req',
      '-x509',
      ...curve,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '30',
      '-subj',
      '/CN=bulkhead-local-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const ips = [...new Set(['127.0.0.1', apiServerAddress, kubernetesServiceIP])].map((ip) => `IP:${ip}`).join(',');
  const serving = signed(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    `extendedKeyUsage=serverAuth\nsubjectAltName=${ips},DNS:localhost,DNS:kubernetes,` +
      'DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
  openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serving,
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
    clients: {
      admin: signed(dir, 'admin', '/O=system:masters/CN=admin', clientUsage),
      controllerManager: signed(dir, 'controller-manager', '/CN=system:kube-controller-manager', clientUsage),
      scheduler: signed(dir, 'scheduler', '/CN=system:kube-scheduler', clientUsage),
      kwok: signed(dir, 'kwok', '/O=system:masters/CN=kwok-controller', clientUsage),
      // Bound to system:kubelet-api-admin (node/rbac.ts): logs, exec and port-forward through kubelets.
      apiserverKubeletClient: signed(dir, 'apiserver-kubelet-client', '/CN=kube-apiserver-kubelet-client', clientUsage),
    },
  };
}
