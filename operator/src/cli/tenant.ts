/**
 * `bulkhead tenant suspend|resume NAME` sets spec.suspended with a merge patch (conditional on the
 * resourceVersion read, so a concurrent change fails rather than being overwritten), and `bulkhead
 * tenant backups NAME` prints status.backups. Both use the caller's kubeconfig: kube-apiserver's
 * audit log records who; the onboarding API's audit trail records only calls made through the API.
 * Their flags are in tenant-commands.ts.
 */
import { apiVersion, TenantSchema, tenantKind, type Tenant } from '../api/index.js';
import { backupSummaries } from '../api-server/restore-summary.js';
import type { KubeClient } from '../kube/client.js';
import { connect } from './cluster.js';
import { ExitCode } from './exit-codes.js';
import { render } from './output.js';
import type { CommandContext } from './program.js';
import type { TenantBackupsRequest, TenantSuspendRequest } from './tenant-commands.js';

/** The field manager of the CLI's writes, so managedFields shows the change came from it. */
export const cliFieldManager = 'bulkhead-cli';

const tenantRef = (name: string) => ({ apiVersion, kind: tenantKind, name });

async function withTenant(
  context: CommandContext,
  name: string,
  work: (client: KubeClient, tenant: Tenant) => Promise<number>,
): Promise<number> {
  const client = connect(context.cluster);
  try {
    const object = await client.get(tenantRef(name));
    if (object === undefined) {
      context.io.stderr.write(`No tenant named ${name}\n`);
      return ExitCode.failed;
    }
    return await work(client, TenantSchema.parse(object));
  } finally {
    client.close();
  }
}

function suspensionText(name: string, suspended: boolean, changed: boolean): string {
  const state = suspended ? 'suspended' : 'resumed';
  if (!changed) return `Tenant ${name} is already ${suspended ? 'suspended' : 'not suspended'}; nothing changed\n`;
  return `Tenant ${name} ${state}: the operator now ${suspended ? 'suspends' : 'resumes'} it; its Suspended condition says when it is done (kubectl get tenant ${name})\n`;
}

export function setSuspended({ name, suspended, output }: TenantSuspendRequest, context: CommandContext): Promise<number> {
  return withTenant(context, name, async (client, tenant) => {
    if (tenant.metadata.deletionTimestamp) {
      context.io.stderr.write(`Tenant ${name} is being deleted and can no longer change\n`);
      return ExitCode.failed;
    }
    const changed = tenant.spec.suspended !== suspended;
    if (changed) {
      const patch = { metadata: { resourceVersion: tenant.metadata.resourceVersion }, spec: { suspended } };
      await client.mergePatch(tenantRef(name), patch, { fieldManager: cliFieldManager });
    }
    context.io.stdout.write(render(output, { name, suspended, changed }, () => suspensionText(name, suspended, changed)));
    return ExitCode.ok;
  });
}

function backupsText(name: string, tenant: Tenant): string {
  const backups = backupSummaries(tenant);
  if (backups.length === 0) return `Tenant ${name} lists no backups\n`;
  const rows = backups.map((backup) => [backup.id, backup.createdAt, String(backup.size), backup.kind ?? '-']);
  const widths = [0, 1, 2].map((column) => Math.max(...[['ID', 'CREATED', 'SIZE'], ...rows].map((row) => (row[column] ?? '').length)));
  return (
    [['ID', 'CREATED', 'SIZE', 'KIND'], ...rows]
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function listBackups({ name, output }: TenantBackupsRequest, context: CommandContext): Promise<number> {
  return withTenant(context, name, (_client, tenant) => {
    const document = { name, items: backupSummaries(tenant), lastAttemptAt: tenant.status?.backups?.lastAttemptTime ?? null };
    context.io.stdout.write(render(output, document, () => backupsText(name, tenant)));
    return Promise.resolve(ExitCode.ok);
  });
}
