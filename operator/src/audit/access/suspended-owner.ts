/**
 * What the live access checks ask of a suspended tenant's owners, who hold the read-only twin of
 * the owner role (decision 0035). The controls flip: creating a pod, which an active owner must be
 * allowed (else the probe is not asking about the right identity), must now be refused by RBAC,
 * and a suspended owner who can is a finding. The probes admission answers (Pod Security, the
 * NodePort Service) are left out: an object the owner may not create at all cannot show what
 * admission would do with it. The probes RBAC answers (the guardrails, other tenants, the
 * cluster) keep their expectation: RBAC refuses them either way.
 */
import { admissionProbes, probePod, probesRefusedByRbac, type AdmissionProbe, type ProbeTarget } from './admission-probes.js';

export const suspendedPodProbe: AdmissionProbe = {
  id: 'suspended-owner-pod',
  attempt: 'create a compliant pod while the tenant is suspended',
  benchmark: 'suspension: the owners hold read access only',
  expect: [/cannot create resource "pods"/],
  finding: 'SuspendedOwnerCanWrite',
  build: ({ namespace }) => ({ method: 'POST', object: probePod('suspended-owner-pod', namespace) }),
};

/** The dry-run writes to send as an owner of the tenant at `target`. */
export function admissionProbesFor(target: ProbeTarget): AdmissionProbe[] {
  return target.suspended ? [suspendedPodProbe, ...probesRefusedByRbac] : admissionProbes;
}
