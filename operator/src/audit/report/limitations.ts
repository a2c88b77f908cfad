/**
 * What `bulkhead audit` cannot prove, said plainly in every report. These sentences are part of
 * the signed document, so a reader of any copy sees the same limits the signer stated.
 */

/** The sentence the issue demands in every report: the matrix is computed, not measured. */
export const networkEnforcementLimitation =
  "This audit cannot prove that the cluster's network plugin enforces NetworkPolicy: the reachability " +
  'matrix is what the NetworkPolicies allow by the Kubernetes specification, computed without sending ' +
  'any traffic, and on a plugin that ignores NetworkPolicy every pod can reach every other.';

/** Node traffic: NetworkPolicy cannot refuse it, so the audit can only show who sends it. */
export const nodeTrafficLimitation =
  "A pod cannot refuse traffic from its own node: the kubelet, and every hostNetwork pod, reach the node's pods " +
  'whatever their NetworkPolicies say. The audit judges every hostNetwork pod as able to reach every pod (any pod ' +
  'may be scheduled onto its node), lists those outside the tenants as node traffic and draws them in the matrix; ' +
  'processes on the nodes outside pods are not seen.';

/** What a cluster without Bulkhead's admission policies loses (docs/decisions/0008), said in its reports. */
export const admissionPoliciesOffLimitation =
  "Bulkhead's admission policies are turned off in this configuration (admissionPolicies.enabled: false): nothing " +
  'refuses externalIPs, NodePort or LoadBalancer Services, ExternalName into the cluster, foreign Ingress hosts, ' +
  'hand-written endpoints or pre-bound volumes when they are written. The audit reports each one that exists when it ' +
  'runs; one created and removed between two audits is not seen.';

export const standardLimitations: readonly string[] = [
  networkEnforcementLimitation,
  nodeTrafficLimitation,
  'It judges the objects listed under inputs as they were when the report was generated; changes made ' +
    'after that time are not covered.',
  'It sees only what the Kubernetes API, PostgreSQL and the KMS answered to the identity that ran it; ' +
    'access outside them (to nodes, to etcd or its backups, to the database host, to cloud IAM beyond ' +
    'the key policy) is not examined.',
  'A valid signature shows which key signed the report and that the report has not changed since; it ' +
    'does not show that the signer ran the audit honestly, which is why the inputs are named by uid ' +
    'and resourceVersion so the audit can be repeated.',
];

/**
 * When a database server's login matrix was sampled (data/login-sample.ts): what the report does
 * not show, so an auditor does not read "no cross-tenant login" as every pair having been tried.
 */
export function databaseLoginSampleLimitation(
  samples: readonly { server: string; pairsTried: number; pairsTotal: number; rotation?: { windows: number; intervalSeconds: number } }[],
): string {
  const servers = samples
    .map(
      (s) =>
        `${s.server}: ${s.pairsTried} of ${s.pairsTotal}, every pair within ${s.rotation?.windows ?? 0} intervals of ${s.rotation?.intervalSeconds ?? 0} s`,
    )
    .join('; ');
  return (
    "The database login matrix was sampled, not tried in full: each tenant's credentials tried its own database, its two neighbours' in " +
    'name order, a rotating window of the others and a few drawn at random (database.login-sample records exactly which) ' +
    `(${servers}). A login that works between two tenants not tried in this run is not seen in this report, unless it shows in ` +
    "the catalog checks (database.acl, database.role), which judge every tenant's grants and memberships whatever was tried: " +
    'what only a login can show (an authentication rule outside the catalog, such as pg_hba.conf, that lets one role into ' +
    "another's database) is seen for the pairs tried, and for every pair only across the chain of reports that completes a rotation " +
    'of an unchanged fleet.'
  );
}
