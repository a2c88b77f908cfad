/**
 * Cluster DNS as a real pod: CoreDNS in kube-system, labelled `k8s-app: kube-dns` behind the
 * `kube-dns` Service at the ClusterIP kubelet gives pods as their nameserver, as kubeadm deploys
 * it; so a tenant's "allow DNS" NetworkPolicy rule selects a real pod on port 53. It answers for
 * cluster.local only and forwards nothing: no query ever goes to a real DNS server.
 */
import { clusterDomain, dnsServiceIP } from './addresses.js';
import { corednsImage, nonRootUser } from './images/catalog.js';

const namespace = 'kube-system';
const labels = { 'k8s-app': 'kube-dns' };

const corefile = `.:53 {
    errors
    health :8080
    ready :8181
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loop
    reload
}
`;

function rbac(): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace }],
    },
  ];
}

function container(): unknown {
  return {
    name: 'coredns',
    image: corednsImage,
    imagePullPolicy: 'Never',
    args: ['-conf', '/etc/coredns/Corefile'],
    ports: [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
    ],
    readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
    livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10, failureThreshold: 5 },
    resources: { requests: { cpu: '50m', memory: '40Mi' }, limits: { memory: '170Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
  };
}

function deployment(): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'coredns',
          priorityClassName: 'system-cluster-critical',
          // CoreDNS resolves through the API, not through itself.
          dnsPolicy: 'Default',
          securityContext: {
            runAsNonRoot: true,
            runAsUser: nonRootUser,
            runAsGroup: nonRootUser,
            seccompProfile: { type: 'RuntimeDefault' },
            // Port 53 without any capability: a "safe" sysctl, scoped to the pod's network namespace.
            sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }],
          },
          containers: [container()],
          volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
        },
      },
    },
  };
}

export function corednsObjects(): unknown[] {
  return [
    ...rbac(),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace }, data: { Corefile: corefile } },
    deployment(),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace, labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        selector: labels,
        clusterIP: dnsServiceIP,
        ports: [
          { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
        ],
      },
    },
  ];
}
