/**
 * PersistentVolumeClaims that choose their volume (admission rules no-volume-binding,
 * no-volume-selector, no-cross-namespace-data-source): a claim that names or selects an existing
 * PersistentVolume can bind a disk provisioned for someone else, and a data source in another
 * namespace copies someone else's data. A volume provisioned for the claim is named after the
 * claim's uid (`pvc-<uid>`, as the in-tree and CSI external provisioners name them), so a claim
 * bound to any other name was pre-bound, or bound to a volume made beforehand.
 */
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './model.js';

interface ClaimSpec {
  volumeName?: string;
  selector?: unknown;
  dataSourceRef?: { namespace?: string; name?: string; kind?: string };
}

const volumes: CheckSpec = {
  id: 'guardrails.volumes',
  category: 'guardrails',
  reasons: ['VolumeNotProvisionedForClaim', 'VolumeSelector', 'CrossNamespaceDataSource'],
  title: (tenant) =>
    `Every PersistentVolumeClaim in ${tenant.namespace} is bound only to a volume provisioned for it, selects no existing volume and copies no other namespace's data.`,
  clean: 'Every claim is bound to a volume provisioned for it, or not bound yet.',
};

function offences(claim: ListedObject): Offence[] {
  const spec = (claim.spec ?? {}) as ClaimSpec;
  const object = objectName(claim);
  const found: Offence[] = [];
  const provisioned = `pvc-${claim.metadata.uid ?? ''}`;
  if (spec.volumeName && spec.volumeName !== provisioned) {
    found.push({
      object,
      rule: ruleName('no-volume-binding'),
      reason: 'VolumeNotProvisionedForClaim',
      detail: `spec.volumeName is ${spec.volumeName}, not the ${provisioned} provisioned for this claim`,
    });
  }
  if (spec.selector !== undefined)
    found.push({
      object,
      rule: ruleName('no-volume-selector'),
      reason: 'VolumeSelector',
      detail: 'spec.selector selects existing PersistentVolumes',
    });
  if (spec.dataSourceRef?.namespace) {
    found.push({
      object,
      rule: ruleName('no-cross-namespace-data-source'),
      reason: 'CrossNamespaceDataSource',
      detail: `spec.dataSourceRef reads ${spec.dataSourceRef.kind ?? 'an object'} ${spec.dataSourceRef.namespace}/${spec.dataSourceRef.name ?? ''}`,
    });
  }
  return found;
}

export function volumesCheck(tenant: TenantExposure, claims: Listing): AuditCheck {
  const own = inNamespace(claims, tenant.namespace);
  return exposureCheck(volumes, tenant, { listings: [own], offences: () => ('items' in own ? own.items.flatMap(offences) : []) });
}
