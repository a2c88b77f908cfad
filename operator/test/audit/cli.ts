/** Running `bulkhead audit` as an auditor would, a child process with its own configuration file. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { repoRoot } from '../support/cluster.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function bulkheadAudit(args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'operator/bin/bulkhead.js'), 'audit', ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Writes an operator configuration for the command (BULKHEAD_CONFIG) and returns its path. */
export function auditConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}
