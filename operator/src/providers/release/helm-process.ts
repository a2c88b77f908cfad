/**
 * Runs the helm binary: no shell, arguments as an array, a deadline, and helm's stderr kept as
 * its own words when it exits non-zero (callers turn that into RenderFailed).
 */
import { execFile, type ExecFileException } from 'node:child_process';

/** Long enough for a large chart on a busy node; helm template of a normal chart takes ~100 ms. */
const defaultTimeoutMs = 60_000;
/** A release's manifest is tens of KiB; a limit keeps a runaway template from exhausting memory. */
const maximumOutputBytes = 64 * 1024 * 1024;

export interface HelmInvocation {
  helm: string;
  args: readonly string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HelmOutput {
  stdout: string;
  stderr: string;
}

/** helm ran and exited non-zero; `stderr` is what it printed, trimmed. */
export class HelmExited extends Error {
  readonly exitCode: number;
  readonly stderr: string;

  constructor(options: { command: string; exitCode: number; stderr: string }) {
    super(`helm ${options.command} exited with ${options.exitCode}: ${options.stderr}`);
    this.name = 'HelmExited';
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
  }
}

export function runHelm(invocation: HelmInvocation): Promise<HelmOutput> {
  const timeoutMs = invocation.timeoutMs ?? defaultTimeoutMs;
  return new Promise((resolve, reject) => {
    execFile(
      invocation.helm,
      invocation.args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: maximumOutputBytes, signal: invocation.signal },
      (error, stdout, stderr) => {
        if (error) reject(helmError({ error, stderr, invocation, timeoutMs }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/**
 * A non-zero exit is helm's verdict on the input (HelmExited); anything else — helm missing, killed
 * at the deadline, aborted — says nothing about the chart and is worth retrying.
 */
function helmError(options: { error: ExecFileException; stderr: string; invocation: HelmInvocation; timeoutMs: number }): Error {
  const { error, stderr, invocation, timeoutMs } = options;
  const command = invocation.args[0] ?? '';
  if (typeof error.code === 'number') {
    return new HelmExited({ command, exitCode: error.code, stderr: stderr.trim() });
  }
  if (error.killed && error.name !== 'AbortError') {
    return new Error(`helm ${command} did not finish within ${timeoutMs / 1000}s and was stopped`, { cause: error });
  }
  return new Error(`could not run helm ${command} (${invocation.helm}): ${error.message}`, { cause: error });
}
