/**
 * What a process started, read from /proc while it runs: every descendant (a detached server
 * keeps its parent until that parent exits) and the TCP ports each listens on, so a test can
 * check after the process is gone that none of them outlived it.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  /** Clock ticks since boot: a pid and its start time name one process, even if the pid is reused. */
  startTime: string;
}

/** /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from its last ')'. */
function statOf(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => statOf(Number(name)) ?? []);
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** Listening TCP sockets (IPv4 and IPv6): inode → port. */
export function listeningPorts(): Map<string, number> {
  const ports = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local = '', , state, , , , , , inode = ''] = fields;
      if (state === '0A') ports.set(inode, parseInt(local.split(':').pop() ?? '0', 16));
    }
  }
  return ports;
}

export class ProcessTree {
  /** "pid startTime" of every descendant seen, with its command line. */
  readonly seen = new Map<string, { pid: number; startTime: string; command: string }>();
  readonly ports = new Set<number>();

  constructor(readonly root: number) {}

  /** Records the descendants alive now and the ports they listen on. */
  sample(): void {
    const processes = allProcesses();
    const children = new Map<number, ProcStat[]>();
    for (const proc of processes) children.set(proc.ppid, [...(children.get(proc.ppid) ?? []), proc]);
    const listening = listeningPorts();
    const queue = [...(children.get(this.root) ?? [])];
    for (let proc = queue.shift(); proc; proc = queue.shift()) {
      queue.push(...(children.get(proc.pid) ?? []));
      const key = `${proc.pid} ${proc.startTime}`;
      if (!this.seen.has(key)) this.seen.set(key, { pid: proc.pid, startTime: proc.startTime, command: commandOf(proc.pid) });
      for (const inode of socketInodes(proc.pid)) {
        const port = listening.get(inode);
        if (port !== undefined) this.ports.add(port);
      }
    }
  }

  /** The descendants seen that are still alive (the same pid with the same start time), as "pid command". */
  survivors(): string[] {
    return [...this.seen.values()].filter((p) => statOf(p.pid)?.startTime === p.startTime).map((p) => `${p.pid} ${p.command}`);
  }

  /** The ports its descendants listened on that something still listens on. */
  portsStillBound(): number[] {
    const listening = new Set(listeningPorts().values());
    return [...this.ports].filter((port) => listening.has(port));
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}
