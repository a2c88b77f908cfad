/**
 * Fields of a new Tenant that only platform engineers may set. Sales ops onboard customers on a
 * plan; pinning app versions, opening egress, turning off key rotation or choosing a destructive
 * deletion policy or the key a final export is sealed to are platform decisions, refused with 403 naming the field.
 */
import type { CreateTenantRequest } from './schemas.js';
import type { FieldError } from './problems.js';

export function platformFieldsSet(request: CreateTenantRequest): FieldError[] {
  const { app, network, encryption, database } = request;
  const checks: [string, boolean][] = [
    ['app.version', app?.version !== undefined],
    ['app.pinned', app?.pinned !== undefined],
    ['network', network !== undefined],
    ['encryption.keyRotation', encryption?.keyRotation === false],
    ['database.deletionPolicy', (database?.deletionPolicy ?? 'Retain') !== 'Retain'],
    ['database.passwordRotation', database?.passwordRotation !== undefined],
    // Whoever holds the recipient's private key reads the tenant's final export.
    ['database.export', database?.export !== undefined],
  ];
  return checks
    .filter(([, isSet]) => isSet)
    .map(([field]) => field)
    .map((field) => ({ field, rule: 'forbiddenForRole', message: `only platform-admin may set ${field}` }));
}
