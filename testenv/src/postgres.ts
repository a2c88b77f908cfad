/**
 * A private PostgreSQL server (Debian's binaries) on a free loopback port, with password
 * (SCRAM) authentication over TCP so that tenant roles' passwords are really checked.
 * PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user.
 * With a real node it listens in the platform network namespace instead, where pods reach it.
 * Every DDL statement is logged (log_statement=ddl) before it runs, even one that then fails, so
 * a spec can count exactly how often, say, a tenant's DROP DATABASE was sent.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, startProcess, waitUntil, type ManagedProcess } from './processes.js';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** postgres://user:password@host:port/postgres */
  url: string;
  /** The server's log: one `LOG:  statement: <sql>` line per DDL statement. */
  log: string;
}

/** The directory holding initdb, postgres and pg_isready: the newest Debian version, else PATH. */
function postgresBinDir(): string {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin/postgres')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  const onPath = execFileSync('bash', ['-c', 'command -v postgres || true'], { encoding: 'utf8' }).trim();
  if (!onPath) throw new Error("PostgreSQL server binaries not found: run `make setup` (installs Debian's postgresql)");
  return onPath.replace(/\/postgres$/, '');
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function runAsUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  return { uid, gid };
}

/** Where the server listens: 127.0.0.1 on the host, or an address in a network namespace. */
export interface ListenAt {
  host: string;
  netns?: string;
  /** Clients outside loopback that may log in with a password (pods, the host on the pod network). */
  clientCIDR?: string;
}

export async function startPostgres(
  dir: string,
  processes: ManagedProcess[],
  at: ListenAt = { host: '127.0.0.1' },
): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = runAsUser();
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  rmSync(dir, { recursive: true, force: true });
  for (const d of [dir, socketDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    if (user.uid !== undefined) chownSync(d, user.uid, user.gid ?? user.uid);
  }
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dir, 'pwfile');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user.uid !== undefined) chownSync(passwordFile, user.uid, user.gid ?? user.uid);
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], ...user },
  );
  rmSync(passwordFile);
  // initdb allows TCP logins from loopback only.
  if (at.clientCIDR) appendFileSync(join(data, 'pg_hba.conf'), `host all all ${at.clientCIDR} scram-sha-256\n`);

  const port = await freePort();
  const log = join(dir, '..', 'logs', 'postgres.log');
  const server = startProcess({
    name: 'postgres',
    command: join(bin, 'postgres'),
    log,
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${at.host}`,
      '-c',
      `unix_socket_directories=${socketDir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'log_statement=ddl',
    ],
    netns: at.netns,
    ...user,
  });
  processes.push(server);
  await waitUntil(server, 'PostgreSQL to accept connections', () => {
    execFileSync(join(bin, 'pg_isready'), ['-q', '-h', at.host, '-p', String(port)]);
    return Promise.resolve(true);
  });
  const url = `postgres://postgres:${encodeURIComponent(password)}@${at.host}:${port}/postgres`;
  return { host: at.host, port, user: 'postgres', password, url, log };
}
