/**
 * The machine-wide kernel settings kubelet changes at start (its "kernel tunables":
 * vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1, ...). They are not per network
 * namespace, so the node records the machine's values before kubelet starts and writes them back
 * on teardown. (protectKernelDefaults would make kubelet refuse to start instead.)
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const kubeletSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
] as const;

const path = (key: string): string => `/proc/sys/${key}`;

export function readSysctls(): Record<string, string> {
  return Object.fromEntries(kubeletSysctls.map((key) => [key, readFileSync(path(key), 'utf8').trim()]));
}

export function restoreSysctls(saved: Record<string, string>): void {
  for (const [key, value] of Object.entries(saved)) {
    if (readFileSync(path(key), 'utf8').trim() !== value) writeFileSync(path(key), value);
  }
}
