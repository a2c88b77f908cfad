/**
 * The cluster-scoped kinds a tenant's chart must never render, from Kubernetes' own APIs (as of
 * 1.36) plus the aggregation layer. Validation refuses these by kind alone, whatever their group,
 * so a chart cannot slip one past under an old or alpha apiVersion.
 *
 * A list can never know custom resources: the tenant controller should also pass discovery's
 * answer as `isNamespaced` (validation.ts), which covers every kind the cluster serves.
 */
export const clusterScopedKinds: ReadonlySet<string> = new Set([
  // core/v1
  'Namespace',
  'Node',
  'PersistentVolume',
  'ComponentStatus',
  // rbac.authorization.k8s.io
  'ClusterRole',
  'ClusterRoleBinding',
  // apiextensions.k8s.io and apiregistration.k8s.io: new APIs for the whole cluster
  'CustomResourceDefinition',
  'APIService',
  // admissionregistration.k8s.io: would see or change every request in the cluster
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  // storage.k8s.io
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'VolumeAttributesClass',
  // scheduling, node and flow control
  'PriorityClass',
  'RuntimeClass',
  'FlowSchema',
  'PriorityLevelConfiguration',
  // certificates.k8s.io
  'CertificateSigningRequest',
  'ClusterTrustBundle',
  // networking.k8s.io
  'IngressClass',
  'IPAddress',
  'ServiceCIDR',
  // resource.k8s.io (dynamic resource allocation)
  'DeviceClass',
  'ResourceSlice',
  'DeviceTaintRule',
  // storagemigration.k8s.io and internal.apiserver.k8s.io
  'StorageVersionMigration',
  'StorageVersion',
  // authentication and authorization reviews (created, never stored, but cluster-wide)
  'TokenReview',
  'SelfSubjectReview',
  'SubjectAccessReview',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  // policy/v1beta1, removed in 1.25 but refused should a cluster still serve it
  'PodSecurityPolicy',
]);
