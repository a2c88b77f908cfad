/**
 * Running the small system commands the node is assembled with (ip, iptables, ctr, crictl, ...),
 * on the host or inside one of the environment's network namespaces. Failures carry the command
 * and its stderr, so a broken step says which one it was.
 */
import { execFileSync } from 'node:child_process';

/** The path `ip netns add` binds a namespace to; nsenter enters it from there. */
export const netnsPath = (netns: string): string => `/run/netns/${netns}`;

export function run(command: string, args: string[], input?: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${command} ${args.join(' ')}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** Like run(), but a failure is expected (the thing may not exist) and returns undefined. */
export function tryRun(command: string, args: string[]): string | undefined {
  try {
    return run(command, args);
  } catch {
    return undefined;
  }
}

/** Runs a command in a network namespace only (the mount namespace stays the host's, unlike `ip netns exec`). */
export function inNetns(netns: string, command: string, args: string[], input?: string): string {
  return run('nsenter', [`--net=${netnsPath(netns)}`, '--', command, ...args], input);
}

/** `ip ...` on the host, or `ip -n <netns> ...` in a namespace. */
export function ip(netns: string | undefined, ...args: string[]): string {
  return run('ip', netns ? ['-n', netns, ...args] : args);
}
