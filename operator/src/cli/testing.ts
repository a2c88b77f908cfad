/** Runs the `bulkhead` command tree in-process for tests: its exit code and what it printed. */
import { PassThrough } from 'node:stream';
import { defaultHandlers, type Handlers } from './handlers.js';
import { runCli } from './program.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runBulkhead(
  argv: readonly string[],
  options: { handlers?: Partial<Handlers>; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk.toString()));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk.toString()));
  const code = await runCli(argv, { stdout, stderr, env: options.env ?? {} }, { ...defaultHandlers, ...options.handlers });
  return { code, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
}

export interface Recorded {
  handler: keyof Handlers;
  request: unknown;
  cluster: unknown;
}

/** Handlers that only record what the parser handed them (and exit 0), for every command. */
export function recordingHandlers(calls: Recorded[]): Handlers {
  const record = (handler: keyof Handlers) => (request: unknown, context: { cluster: unknown }) => {
    calls.push({ handler, request, cluster: context.cluster });
    return Promise.resolve(0);
  };
  return Object.fromEntries(Object.keys(defaultHandlers).map((name) => [name, record(name as keyof Handlers)])) as unknown as Handlers;
}

/** The one request `argv` hands its handler; fails when the parser refused it or called none. */
export async function parsed(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Recorded> {
  const calls: Recorded[] = [];
  const run = await runBulkhead(argv, { handlers: recordingHandlers(calls), env });
  if (run.code !== 0 || calls.length !== 1)
    throw new Error(`bulkhead ${argv.join(' ')}: exit ${run.code}, ${calls.length} calls: ${run.stderr}`);
  return calls[0] as Recorded;
}
