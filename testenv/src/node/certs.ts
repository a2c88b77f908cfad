/**
 * The real node's identities, signed by the cluster CA: the kubelet's client certificate
 * (system:node:<name> in system:nodes, so the Node authorizer and NodeRestriction admission apply
 * to it) and its serving certificate for the node's address (kube-apiserver checks it), and the
 * client certificates of kube-proxy (system:kube-proxy, bound by default to system:node-proxier)
 * and kube-router (bound to a read-only ClusterRole in rbac.ts).
 */
import { signed, type ClientCertificate, type ClusterCertificates } from '../certs.js';
import { names, nodeAddress } from './addresses.js';

export interface NodeCertificates {
  kubeletClient: ClientCertificate;
  kubeletServing: ClientCertificate;
  kubeProxy: ClientCertificate;
  kubeRouter: ClientCertificate;
}

export const kubeRouterUser = 'bulkhead:kube-router';

export function generateNodeCertificates(cluster: ClusterCertificates): NodeCertificates {
  const client = 'extendedKeyUsage=clientAuth';
  return {
    kubeletClient: signed(cluster.dir, 'kubelet-client', `/O=system:nodes/CN=system:node:${names.node}`, client),
    kubeletServing: signed(
      cluster.dir,
      'kubelet-serving',
      `/O=system:nodes/CN=system:node:${names.node}`,
      `extendedKeyUsage=serverAuth\nsubjectAltName=IP:${nodeAddress},DNS:${names.node}`,
    ),
    kubeProxy: signed(cluster.dir, 'kube-proxy', '/CN=system:kube-proxy', client),
    kubeRouter: signed(cluster.dir, 'kube-router', `/CN=${kubeRouterUser}`, client),
  };
}
