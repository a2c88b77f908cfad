/**
 * The last lines a child process wrote to stdout and to stderr, for error messages. Kept apart:
 * a crash's reason (Node's "FATAL ERROR: ... heap limit") is on stderr, and must not be pushed out
 * by the logs written just before it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

function follow(stream: Readable | null, lines: number): string[] {
  const kept: string[] = [];
  let partial = '';
  const keep = (more: string[]): void => {
    kept.push(...more);
    kept.splice(0, Math.max(0, kept.length - lines));
  };
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    keep(parts);
  });
  stream?.on('end', () => keep(partial ? [partial] : []));
  return kept;
}

export function keepOutputTail(child: ChildProcess, lines = 40): () => string {
  const stdout = follow(child.stdout, lines);
  const stderr = follow(child.stderr, lines);
  return () => [...stdout, ...stderr.map((line) => `stderr: ${line}`)].join('\n') || '(no output)';
}
