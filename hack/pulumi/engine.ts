/**
 * Pulumi's engine as this repository runs it: the CLI and the Kubernetes provider built from the
 * Go module proxy (hack/build-pulumi.sh), a file backend and a Pulumi home of their own under the
 * state directory, and the program of pulumi/src run inline through the Automation API. Nothing
 * is downloaded and no Pulumi Cloud account is involved:
 *
 * - the provider is found on PATH (an "ambient" plugin), so the engine never fetches one;
 * - the Node.js language host is the SDK's own (the Automation API serves the language runtime
 *   from this process and hands its address to the CLI), since the module proxy does not serve
 *   pulumi-language-nodejs (docs/decisions/0019-pulumi-built-from-source.md).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { LocalWorkspace, PulumiCommand, type ConfigMap, type Stack } from '@pulumi/pulumi/automation/index.js';
import { bulkheadStack } from '../../pulumi/src/program.js';
import { repoRoot } from '../../testenv/src/paths.js';

/** The bin/ directory holding `pulumi` and `pulumi-resource-kubernetes`, built on first use (minutes when cold). */
export function pulumiBinaries(): string {
  const output = execFileSync('bash', [join(repoRoot, 'hack/build-pulumi.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return output.trim().split('\n').at(-1) ?? '';
}

/** A passphrase generated once per state directory; it encrypts the stacks' secrets in the file backend. */
function passphrase(dir: string): string {
  const file = join(dir, 'passphrase');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** The variables the CLI runs with: local backend and home, no update check, the built plugins first on PATH. */
export function engineEnvironment(stateDir: string, binaries: string): Record<string, string> {
  const dir = join(stateDir, 'pulumi');
  mkdirSync(join(dir, 'state'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'home'), { recursive: true, mode: 0o700 });
  return {
    PULUMI_HOME: join(dir, 'home'),
    PULUMI_BACKEND_URL: `file://${join(dir, 'state')}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase(dir),
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: 'true',
    // The CLI is newer than the SDK in package-lock.json; the SDK checks only for an older one, but
    // a locally built CLI's version string is ours to vouch for.
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
    PATH: `${binaries}${delimiter}${process.env.PATH ?? ''}`,
  };
}

export interface StackOptions {
  /** Where the backend, Pulumi's home and the stack's settings live (.bulkhead for `make pulumi-up`). */
  stateDir: string;
  stackName: string;
  config: ConfigMap;
}

/** Selects (or creates) the stack on the local backend, runs the program of pulumi/src, and sets its config. */
export async function openStack(options: StackOptions): Promise<Stack> {
  const binaries = pulumiBinaries();
  const envVars = engineEnvironment(options.stateDir, binaries);
  // The process's own PATH too: the Automation API starts the CLI with process.env plus envVars.
  process.env.PATH = envVars.PATH;
  const workDir = join(options.stateDir, 'pulumi', 'project');
  mkdirSync(workDir, { recursive: true });
  const pulumiCommand = await PulumiCommand.get({ root: dirname(binaries), skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: options.stackName, projectName: 'bulkhead', program: () => Promise.resolve(bulkheadStack()) },
    {
      workDir,
      envVars,
      pulumiCommand,
      projectSettings: { name: 'bulkhead', runtime: 'nodejs', description: 'Bulkhead installed by make pulumi-up (pulumi/)' },
    },
  );
  await stack.setAllConfig(options.config);
  return stack;
}
