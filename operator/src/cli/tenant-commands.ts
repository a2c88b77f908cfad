/**
 * `bulkhead tenant suspend|resume NAME` and `bulkhead tenant backups NAME`: their arguments and
 * flags. The work is in tenant.ts; it talks to Kubernetes with the caller's kubeconfig, so what the
 * caller may do is what their RBAC grants (patch on tenants to suspend, get to list backups).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { TenantNameSchema } from '../api-server/schemas.js';
import { outputFormats, outputOption, type OutputFormat } from './output.js';
import { withCluster, type Binder } from './program.js';

export interface TenantSuspendRequest {
  name: string;
  /** true: suspend; false: resume. */
  suspended: boolean;
  output: OutputFormat;
}

export interface TenantBackupsRequest {
  name: string;
  output: OutputFormat;
}

function tenantName(value: string): string {
  const parsed = TenantNameSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`NAME must be a tenant name: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function addSuspension(tenant: Command, { bind, handlers }: Binder, suspended: boolean): void {
  const verb = suspended ? 'suspend' : 'resume';
  const description = suspended
    ? "suspend a tenant (spec.suspended: true): the operator closes its ingress, makes its owners read-only, refuses its database's logins, disables its key and scales its app to zero; nothing is deleted"
    : 'resume a suspended tenant (spec.suspended: false): the operator restores exactly what suspending changed';
  bind(
    withCluster(tenant.command(verb))
      .description(description)
      .argument('<name>', 'the tenant', tenantName)
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const [name] = command.processedArgs as [string];
      return handlers.tenantSuspend({ name, suspended, output: command.opts<{ output: OutputFormat }>().output }, context);
    },
  );
}

export function addTenantCommands(program: Command, binder: Binder): void {
  const tenant = program.command('tenant').description("a tenant's lifecycle, through the Kubernetes API with your kubeconfig");
  addSuspension(tenant, binder, true);
  addSuspension(tenant, binder, false);
  binder.bind(
    withCluster(tenant.command('backups'))
      .description("list the tenant's latest backups, newest first, as its status lists them (id, time, size, kind)")
      .argument('<name>', 'the tenant', tenantName)
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const [name] = command.processedArgs as [string];
      return binder.handlers.tenantBackups({ name, output: command.opts<{ output: OutputFormat }>().output }, context);
    },
  );
}
