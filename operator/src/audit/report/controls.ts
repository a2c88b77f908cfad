/**
 * Which controls each check gives evidence for: the one mapping from the audit's check ids to
 * SOC 2 Trust Services Criteria (2017, points of focus revised 2022) and ISO/IEC 27001:2022 Annex A.
 * docs/auditors.md prints it (controls.test.ts holds the two together) and docs/decisions/0033 says
 * why each pairing, and why the controls listed without checks are not claimed.
 *
 * A pairing says "a pass of this check is evidence that this control operates for this tenant at
 * this time", nothing more: no check here makes a control effective on its own, and an auditor
 * still tests design and the period (the report says what it cannot prove).
 */

export type Framework = 'SOC 2' | 'ISO/IEC 27001:2022';

export interface Control {
  framework: Framework;
  id: string;
  /** A short name, ours (the criteria's own wording is the AICPA's and ISO's). */
  title: string;
  /** Why no check is claimed as evidence for it; only for a control no evidence group names. */
  notClaimed?: string;
}

const soc2 = (id: string, title: string, notClaimed?: string): Control => ({
  framework: 'SOC 2',
  id,
  title,
  ...(notClaimed ? { notClaimed } : {}),
});
const iso = (id: string, title: string, notClaimed?: string): Control => ({
  framework: 'ISO/IEC 27001:2022',
  id,
  title,
  ...(notClaimed ? { notClaimed } : {}),
});

/** The controls the report lists, in this order; those no check covers are listed as not covered. */
export const controlCatalogue: readonly Control[] = [
  soc2('CC6.1', 'Logical access to information assets is restricted'),
  soc2(
    'CC6.2',
    'Users are registered and authorized before credentials are issued',
    'who becomes a tenant owner is decided when the Tenant is written (the onboarding API and its audit trail), not examined by the audit',
  ),
  soc2('CC6.3', 'Access is role-based, least privilege, with duties segregated'),
  soc2('CC6.6', 'Access from outside a boundary is restricted'),
  soc2('CC6.7', 'Transmission and movement of information is restricted'),
  soc2(
    'CC6.8',
    'Unauthorized or malicious software is prevented or detected',
    'the audit judges what pods may do (Pod Security), not which software they run',
  ),
  soc2('CC7.1', 'Configuration changes that introduce weaknesses are detected'),
  soc2('CC7.2', 'Components are monitored for anomalies that indicate attacks'),
  iso('5.9', 'Inventory of information and other associated assets'),
  iso('5.15', 'Access control'),
  iso('5.18', 'Access rights'),
  iso('8.2', 'Privileged access rights'),
  iso('8.3', 'Information access restriction'),
  iso(
    '8.5',
    'Secure authentication',
    'the audit tries which credentials open which database; it does not judge how strong authentication is',
  ),
  iso('8.9', 'Configuration management'),
  iso('8.10', 'Information deletion'),
  iso('8.15', 'Logging', "the onboarding API's audit trail is verified by bulkhead audit-trail verify, not by this report"),
  iso('8.16', 'Monitoring activities'),
  iso('8.20', 'Networks security'),
  iso('8.21', 'Security of network services'),
  iso('8.22', 'Segregation of networks'),
  iso('8.24', 'Use of cryptography'),
];

/** A set of checks that give evidence for the same controls, each pairing with its one-line reason. */
export interface EvidenceGroup {
  name: string;
  checks: readonly string[];
  /** Control id to why a pass of these checks is evidence for it. Empty: the checks are records or preconditions, evidence for nothing by themselves. */
  controls: Readonly<Record<string, string>>;
}

const review = (...ids: string[]) => ids.map((id) => `access.review.${id}`);
const admission = (...ids: string[]) => ids.map((id) => `access.admission.${id}`);

export const evidenceGroups: readonly EvidenceGroup[] = [
  {
    name: 'Network isolation between tenants',
    checks: ['network.ingress', 'network.egress', 'network.analysis-failed'],
    controls: {
      'CC6.6': "no pod outside the tenant's namespace may connect in, nor its pods out, beyond the declared platform peers",
      '8.20': 'the NetworkPolicies of every tenant namespace are analysed as the network plugin must apply them',
      '8.22': 'each tenant namespace is its own network segment: the reachability matrix shows no flow between two of them',
    },
  },
  {
    name: 'Declared addresses and bounded egress',
    checks: ['network.addresses', 'network.egress-bounds'],
    controls: {
      'CC6.6': "an ipBlock cannot reach the cluster's, the platform's or another tenant's addresses",
      'CC6.7': "a tenant's pods may send only to the destinations declared for it (its database, KMS endpoint, egress CIDRs)",
      '8.20': 'every address range a policy admits is one somebody declared',
      '8.22': 'egress to the internet stays outside the cluster and platform segments',
    },
  },
  {
    name: 'Isolation measured on the wire',
    checks: ['network.enforcement', 'network.probes-failed'],
    controls: {
      'CC6.6': 'probe pods measured that the network plugin refuses what the policies refuse, both ways',
      '8.20': 'the network control is shown to operate, not only to be configured',
      '8.22': 'the segregation between tenant namespaces is measured with real connections',
    },
  },
  {
    name: 'Shared network services',
    checks: [
      'network.external-ips',
      'network.service-types',
      'network.external-names',
      'network.ingress-hosts',
      'network.ingress-catch-all',
      'network.ingress-configuration',
      'network.route-hostnames',
      'network.shared-hosts',
      'network.manual-endpoints',
      'network.exposure-failed',
      ...admission('node-port'),
    ],
    controls: {
      'CC6.6': 'no tenant object opens a way around the tenant boundary through kube-proxy, DNS, the nodes or the ingress controller',
      '8.21': 'the network services every tenant shares cannot be pointed by one tenant at another',
    },
  },
  {
    name: 'Known attack patterns on shared infrastructure',
    checks: [
      'network.external-ips',
      'network.manual-endpoints',
      'network.external-names',
      'network.ingress-configuration',
      'network.shared-hosts',
    ],
    controls: {
      'CC7.2':
        "each is a known way to capture or redirect another tenant's traffic (CVE-2020-8554, CVE-2021-25740); the periodic audit reports one when it appears",
      '8.16': 'the same: the periodic audit watches for them',
    },
  },
  {
    name: 'NetworkPolicies written by Bulkhead only',
    checks: ['network.policy-authors'],
    controls: {
      'CC7.1': 'a policy added or changed by anyone but the operator is reported',
      '8.9': 'the isolating configuration is exactly the one the operator builds',
    },
  },
  {
    name: 'Who can reach a tenant namespace (RBAC analysis)',
    checks: [
      'access.secret-readers',
      'access.workload-writers',
      'access.owner-other-tenants',
      'access.analysis-failed',
      'access.namespace',
      'access.rbac-snapshot',
    ],
    controls: {
      'CC6.1': "only the tenant's owners, its ServiceAccounts and the platform can read its Secrets or change its workloads",
      '5.15': 'the access rules are read as the API server evaluates them, every Role and binding included',
      '5.18': 'every run reviews who holds which right in each tenant namespace',
      '8.3': "another tenant's owners hold no right in the namespace",
    },
  },
  {
    name: 'The API server refuses another tenant',
    checks: [
      ...review('other-tenant-secrets-get', 'other-tenant-secrets-list', 'other-tenant-pods-create'),
      ...admission('other-tenant-pod', 'other-tenant-secret'),
    ],
    controls: {
      'CC6.1': "the server's own authorizer, asked as the owner, refuses another tenant's Secrets and pods",
      '5.15': 'the access rule is tested as it operates, not only read',
      '8.3': "access to another tenant's information is refused",
    },
  },
  {
    name: 'Privileged rights stay with the platform',
    checks: [
      'access.escalation',
      'access.owner-cluster-rights',
      ...review(
        'roles-escalate',
        'cluster-roles-bind',
        'role-bindings-create',
        'namespaces-create',
        'cluster-roles-create',
        'cluster-role-bindings-create',
        'users-impersonate',
        'groups-impersonate',
      ),
      ...admission('role-escalation', 'bind-cluster-admin', 'namespace', 'cluster-role', 'cluster-role-binding'),
      'database.role',
    ],
    controls: {
      'CC6.3': "owners hold their namespace's rights and nothing cluster-wide; the tenant's database role holds no privileged attribute",
      '8.2': 'escalate, bind, impersonate and cluster-scope writes are refused to owners',
    },
  },
  {
    name: 'Owners cannot change what isolates them',
    checks: [
      ...review('network-policies-patch', 'network-policies-delete', 'resource-quotas-patch', 'limit-ranges-patch', 'namespace-patch'),
      ...admission('network-policy', 'resource-quota', 'limit-range', 'namespace-labels'),
    ],
    controls: {
      'CC6.3': "the duties are segregated: the platform sets the tenant's NetworkPolicies, quota and labels, the owner cannot",
      '8.9': 'the isolating configuration cannot be changed from inside the tenant',
    },
  },
  {
    name: 'Pod Security restricted',
    checks: [
      'guardrails.pod-security',
      ...admission(
        'privileged',
        'host-path',
        'host-network',
        'host-port',
        'host-pid',
        'host-ipc',
        'added-capabilities',
        'run-as-root',
        'privilege-escalation',
      ),
    ],
    controls: {
      'CC6.1': "a tenant's pod cannot reach the node or, through it, other tenants (no privileged, host namespaces or hostPath)",
      '8.9': 'the namespace enforces the restricted baseline, tested by writes that must be refused',
    },
  },
  {
    name: 'Guardrails as built',
    checks: [
      'guardrails.namespace',
      'guardrails.resource-quota',
      'guardrails.limit-range',
      'guardrails.default-service-account',
      'guardrails.admission-policies',
      'guardrails.read',
      'guardrails.namespaces-failed',
      'guardrails.exposure-failed',
    ],
    controls: {
      'CC7.1': 'drift from the baseline the operator applies (labels, quota, admission policies) is reported at each run',
      '8.9': 'the configuration of every tenant namespace is compared with the one its plan defines',
    },
  },
  {
    name: "Nothing holds a tenant's deletion",
    checks: ['guardrails.finalizers'],
    controls: {
      '8.10': "no owner-held finalizer can keep the tenant's objects, or its namespace, from being deleted at offboarding",
      '8.9': "only Kubernetes' own finalizers are present",
    },
  },
  {
    name: "Volumes of the tenant's own",
    checks: ['guardrails.volumes'],
    controls: {
      'CC6.7': "no claim copies another namespace's data",
      '8.3': 'no claim binds a volume provisioned for someone else',
    },
  },
  {
    name: "Each tenant's database opens to its own role only",
    checks: [
      'database.own-login',
      'database.cross-tenant-login',
      'database.acl',
      'database.role',
      'database.server',
      'database.databases-failed',
    ],
    controls: {
      'CC6.1': "the tenant's credentials open its database and, of those tried, no other tenant's do",
      '5.15': "the database's grants and the role's memberships admit the tenant alone",
      '8.3': "another tenant's database cannot be opened or read",
    },
  },
  {
    name: "Each pooled tenant's schema and rows are its own",
    checks: ['database.pooled-schema-acl', 'database.pooled-cross-read', 'database.pooled-row-security'],
    controls: {
      'CC6.1': "no other pooled tenant's login can use the tenant's schema, and its login sees no other tenant's shared rows",
      '5.15': "the schema's grants admit the tenant's role alone, and a policy forced on every shared table admits its own rows alone",
      '8.3': "another pooled tenant's schema and rows cannot be read, though they live in the same database",
    },
  },
  {
    name: "The shared release's namespace is a segment of its own",
    checks: ['guardrails.pool-network', 'guardrails.pool-pod-security'],
    controls: {
      'CC6.6':
        "the pool namespace's policies deny all but itself, the ingress controller, DNS and its servers, so no tenant namespace reaches it",
      '8.22': 'the shared release runs in a network segment of its own, apart from every tenant namespace',
    },
  },
  {
    name: 'What each pooled tenant shares, stated',
    checks: ['guardrails.pooled-sharing'],
    controls: {},
  },
  {
    name: 'Inventory reconciled',
    checks: [
      'inventory.counts',
      'inventory.tenant-checked',
      'inventory.namespaces-failed',
      'database.ownership-marker',
      'database.orphans',
    ],
    controls: {
      'CC6.1': 'Tenants, namespaces, databases and key aliases correspond one to one, and every Tenant was examined',
      '5.9': 'the inventory of tenant assets is reconciled across the cluster, PostgreSQL and KMS',
    },
  },
  {
    name: "Offboarded tenants' databases",
    checks: ['database.orphans'],
    controls: {
      '8.10': 'a database or role left by a deleted Tenant is found unless it is retained with login disabled',
    },
  },
  {
    name: 'Offboarding with an export',
    checks: ['database.offboarding-export', 'key.offboarding-shredded', 'key.offboarding-failed'],
    controls: {
      '8.10':
        'a tenant deleted with deletionPolicy Export left a signed export and its key pending deletion, so its backups become unreadable',
      '8.24': "the offboarded tenant's data is crypto-shredded: its key is scheduled for deletion after the final export",
    },
  },
  {
    name: "A key of each tenant's own",
    checks: [
      'key.state',
      'key.rotation',
      'key.tags',
      'key.alias',
      'key.exclusive',
      'key.policy',
      'key.encryption-context',
      'key.keys-failed',
    ],
    controls: {
      'CC6.1': "each tenant's data is encrypted under its own key, which rotates and is Enabled",
      '8.24': 'one key per tenant, rotation on, a policy for that tenant only, its encryption context required',
    },
  },
  {
    name: 'Only the tenant can decrypt',
    checks: ['key.exclusive', 'key.policy', 'key.encryption-context'],
    controls: {
      '8.3': "no other tenant's principal, nor a request without the tenant's encryption context, can decrypt",
    },
  },
  {
    name: "A pooled tenant's data key opens for it alone",
    checks: ['key.pool-grants', 'key.pool-policy', 'key.pool-encryption-context'],
    controls: {
      'CC6.1': "the pool key's grants admit each pooled tenant's principal under its own encryption context, and nobody else to it",
      '8.24': "each pooled tenant's data key is wrapped under the region's pool key with its own context, which KMS requires to open it",
      '8.3': "another pooled tenant's principal or context cannot open the tenant's data key, though the key that wraps it is shared",
    },
  },
  {
    name: 'Records and controls of the probes',
    checks: ['database.login-sample', 'access.platform-subjects', ...review('own-secrets', 'own-pods'), ...admission('compliant-pod')],
    controls: {},
  },
];

/** The control ids of each check the groups name, made once from the constant groups above. */
function controlsOfChecks(groups: readonly EvidenceGroup[]): ReadonlyMap<string, readonly string[]> {
  const byCheck = new Map<string, string[]>();
  for (const group of groups) {
    for (const check of group.checks) {
      const known = byCheck.get(check) ?? [];
      byCheck.set(check, [...new Set([...known, ...Object.keys(group.controls)])]);
    }
  }
  return byCheck;
}

const controlsByCheck = controlsOfChecks(evidenceGroups);

/** The control ids a check of this id gives evidence for, in catalogue order; undefined for an id the mapping does not name. */
export function controlsOf(checkId: string): readonly string[] | undefined {
  const controls = controlsByCheck.get(checkId);
  if (controls === undefined) return undefined;
  return controlCatalogue.map((control) => control.id).filter((id) => controls.includes(id));
}

/** Every check id the mapping names. */
export function mappedCheckIds(): string[] {
  return [...controlsByCheck.keys()];
}
