/**
 * The keys Bulkhead writes onto Kubernetes objects: its API group, labels, annotations, finalizer
 * and field manager. Every layer reads them from here so that a selector in the controller and a
 * label in a builder can never disagree.
 */

/** The API group of Tenant and TenantPlan, and the domain of every key Bulkhead owns. */
export const group = 'bulkhead.dev';

/** The recommended label that marks an object as created and owned by Bulkhead. */
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'bulkhead';

/** Names the Tenant an object belongs to; the value is the tenant's metadata.name. */
export const tenantLabel = `${group}/tenant`;

/**
 * On the tenant's namespace: the UID of the Tenant it was created for. A namespace of that name
 * without it (made by someone else, or for an earlier Tenant of the same name) is never adopted.
 */
export const tenantUidLabel = `${group}/tenant-uid`;

/** On the tenant's namespace: the host names it may serve, comma-separated; read by the admission policies. */
export const ingressDomainsAnnotation = `${group}/ingress-domains`;

/** On the tenant's namespace: `allowed` when its plan allows ExternalName Services; read by the admission policies. */
export const externalNameServicesAnnotation = `${group}/external-name-services`;

/**
 * On the tenant's database credentials Secret: the spec.database.passwordRotation token the
 * password was last set for. A different token in the spec means a new password is due.
 */
export const passwordRotationAnnotation = `${group}/password-rotation`;

/**
 * On a Tenant whose promotion stopped after too many failed verifications (decision 0053): a value
 * other than the one status.database.promotion.retry records asks for one more round (stop writes,
 * copy, verify).
 */
export const promotionRetryAnnotation = `${group}/retry-promotion`;

/**
 * Held on every Tenant until its children outside Kubernetes (database, key) are cleaned up
 * according to the tenant's deletion policy.
 */
export const tenantFinalizer = `${group}/finalizer`;

/**
 * Held on the operator's own RoleBinding in a tenant namespace, so that the namespace controller,
 * which deletes every object of a terminating namespace at once, cannot take the operator's
 * rights there before the rest of the namespace's content is gone (say, while an owner's
 * finalizer still holds an object). The operator removes it when nothing else is left to wait for.
 */
export const operatorAccessFinalizer = `${group}/operator-access`;

/**
 * On a deleted Tenant, "true" releases its finalizer without touching its database or KMS key
 * (retained as they are, no longer managed): the way out when its region left the operator's
 * configuration for good, or its database server is gone. Recorded in an Event and the log.
 */
export const orphanDataAnnotation = `${group}/orphan-data`;

/**
 * The server-side apply field manager for every write Bulkhead makes, so that it owns exactly the
 * fields it sets and a conflict with a person's edit is visible.
 */
export const fieldManager = 'bulkhead';

/** Pod Security admission labels on the tenant namespace; Bulkhead sets all three to restricted. */
export const podSecurityEnforceLabel = 'pod-security.kubernetes.io/enforce';
export const podSecurityAuditLabel = 'pod-security.kubernetes.io/audit';
export const podSecurityWarnLabel = 'pod-security.kubernetes.io/warn';
export const podSecurityLevel = 'restricted';

/** The labels every object Bulkhead creates for a tenant carries. */
export function tenantLabels(tenantName: string): Record<string, string> {
  return { [managedByLabel]: managedByValue, [tenantLabel]: tenantName };
}

/** The label selector that finds every object Bulkhead created for a tenant. */
export function tenantSelector(tenantName: string): string {
  return `${managedByLabel}=${managedByValue},${tenantLabel}=${tenantName}`;
}
