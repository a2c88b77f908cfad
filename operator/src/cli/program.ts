/**
 * The `bulkhead` command tree (commander): global `--kubeconfig` and `--context`, `--version`,
 * generated `--help` on every command, and the exit codes of exit-codes.ts. Each command's work
 * lives in its own module, loaded only when that command runs (handlers.ts), so a short command
 * does not pay for loading the operator, the API and the AWS SDK.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addAuditCommands } from './audit-commands.js';
import type { ClusterOptions } from './cluster.js';
import { addExportCommands } from './export-commands.js';
import { errorMessage, ExitCode, isUnreachable, isUsageError } from './exit-codes.js';
import type { Handlers } from './handlers.js';
import { addServiceCommands } from './service-commands.js';
import { addTenantCommands } from './tenant-commands.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface CommandContext {
  io: Io;
  cluster: ClusterOptions;
}

/** What an action does with its parsed command; its number is the exit code. */
export type Action = (command: Command, context: CommandContext) => number | Promise<number>;

/** Binds commands to actions and remembers the exit code the action returned. */
export interface Binder {
  handlers: Handlers;
  bind: (command: Command, action: Action) => Command;
}

/**
 * The operator package's version: operator/package.json from the sources, /app/package.json in the
 * image (dist/cli/main.js). A build without it (the bench's esbuild output) says so rather than failing to start.
 */
export function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const description = `Bulkhead: run the operator and the onboarding API, mint API tokens, audit tenant isolation, suspend and resume tenants, verify and open a tenant's export.

Exit codes: 0 ok, 1 findings or a failed check, 2 usage error, 3 cannot reach the cluster (docs/cli.md).`;

const kubeconfigHelp = "kubeconfig file of the cluster (default: $KUBECONFIG, else ~/.kube/config, else the pod's ServiceAccount)";
const contextHelp = 'kubeconfig context to use (default: its current-context)';

/**
 * `--kubeconfig` and `--context` on a command that talks to the cluster, so they work after the
 * command's name too (`kubectl bulkhead audit --context prod`: kubectl passes a plugin no flags of its own).
 */
export function withCluster(command: Command): Command {
  return command.option('--kubeconfig <file>', kubeconfigHelp).option('--context <name>', contextHelp);
}

/** The nearest command's --kubeconfig/--context wins over the root's; then $KUBECONFIG. */
function clusterOf(command: Command, env: NodeJS.ProcessEnv): ClusterOptions {
  const chain: Command[] = [];
  for (let current: Command | null = command; current; current = current.parent) chain.unshift(current);
  const given: ClusterOptions = {};
  for (const { kubeconfig, context } of chain.map((each) => each.opts<ClusterOptions>())) {
    if (kubeconfig !== undefined) given.kubeconfig = kubeconfig;
    if (context !== undefined) given.context = context;
  }
  const kubeconfig = given.kubeconfig ?? (env.KUBECONFIG || undefined);
  return { ...(kubeconfig ? { kubeconfig } : {}), ...(given.context ? { context: given.context } : {}) };
}

export function buildProgram(io: Io, handlers: Handlers, name = 'bulkhead'): { program: Command; exitCode: () => number } {
  let code: number = ExitCode.ok;
  const program = new Command(name)
    .description(description)
    .version(packageVersion(), '--version', 'print the version')
    .option('--kubeconfig <file>', kubeconfigHelp)
    .option('--context <name>', contextHelp)
    // Each command's options are its own: `audit --probe` and `audit network --probe` differ.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const binder: Binder = {
    handlers,
    bind: (command, action) =>
      command.action(async (...args: unknown[]) => {
        const self = args.at(-1) as Command;
        try {
          code = await action(self, { io, cluster: clusterOf(self, io.env) });
        } catch (error) {
          if (isUsageError(error)) self.error(`error: ${error.message}`, { exitCode: ExitCode.usage, code: 'bulkhead.usage' });
          throw error;
        }
      }),
  };
  addServiceCommands(program, binder);
  addAuditCommands(program, binder);
  addExportCommands(program, binder);
  addTenantCommands(program, binder);
  return { program, exitCode: () => code };
}

/** Help and --version exit 0; every other parser error is a usage error (2). */
function exitCodeOfParser(error: CommanderError): number {
  return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
}

/** Runs `bulkhead argv...` and returns its exit code; errors are reported on io.stderr, never thrown. */
export async function runCli(argv: readonly string[], io: Io, handlers: Handlers, name?: string): Promise<number> {
  const { program, exitCode } = buildProgram(io, handlers, name);
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.ok;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeOfParser(error);
    const unreachable = isUnreachable(error);
    io.stderr.write(`${name ?? 'bulkhead'}: ${unreachable ? 'cannot reach the cluster: ' : ''}${errorMessage(error)}\n`);
    return unreachable ? ExitCode.unreachable : ExitCode.failed;
  }
}
