/**
 * Snapshots of a tenant's database before it is dropped: pg_dump in custom format into the
 * snapshot directory, readable only by the operator (0600), written under a `.partial` name and
 * renamed only once `pg_restore --list` has read it back, so a file without `.partial` is always
 * a complete, readable dump. Credentials and the database name reach the tools through libpq's
 * environment variables, never argv: argv is visible to every user of the machine, and a
 * --dbname argument would be parsed as a connection string.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseSnapshotFailed, scrub } from './errors.js';
import type { DatabaseServer, TenantDatabaseSpec } from './types.js';

const run = promisify(execFile);
const debianPostgresDir = '/usr/lib/postgresql';

/** The directory holding pg_dump and pg_restore: the newest Debian version, else undefined (use PATH). */
export function postgresClientBinDir(): string | undefined {
  if (!existsSync(debianPostgresDir)) return undefined;
  const versions = readdirSync(debianPostgresDir).filter((version) => existsSync(join(debianPostgresDir, version, 'bin/pg_dump')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(debianPostgresDir, versions[0], 'bin');
}

function tool(name: 'pg_dump' | 'pg_restore'): string {
  const dir = postgresClientBinDir();
  return dir === undefined ? name : join(dir, name);
}

/** Text safe in a file name whatever the database is called (the UID part keeps names apart). */
function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 63);
}

/** The prefix of every snapshot file of this tenant's database. */
export function snapshotPrefix(spec: TenantDatabaseSpec): string {
  return `${fileSafe(spec.databaseName)}-${fileSafe(spec.tenantUid)}-`;
}

/** The newest complete snapshot of this tenant's database in `dir`, if any. */
export async function latestSnapshot(dir: string, spec: TenantDatabaseSpec): Promise<string | undefined> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const prefix = snapshotPrefix(spec);
  const newest = entries
    .filter((entry) => entry.startsWith(prefix) && entry.endsWith('.dump'))
    .sort()
    .at(-1);
  return newest === undefined ? undefined : join(dir, newest);
}

/** Half-written dumps of an earlier call that crashed mid-way; they hold data but prove nothing. */
async function removePartialSnapshots(dir: string, spec: TenantDatabaseSpec): Promise<void> {
  const prefix = snapshotPrefix(spec);
  for (const entry of await readdir(dir)) {
    if (entry.startsWith(prefix) && entry.endsWith('.partial')) await rm(join(dir, entry), { force: true });
  }
}

export interface SnapshotOptions {
  server: DatabaseServer;
  dir: string;
  timeoutMillis: number;
  /** Kills pg_dump or pg_restore when it aborts. */
  signal?: AbortSignal;
  /** A snapshot exported by a session that stays open meanwhile: pg_dump reads exactly what that session saw. */
  exportedSnapshot?: string;
}

/** Dumps the tenant's database into a new, verified file and returns its path. */
export async function snapshotDatabase(spec: TenantDatabaseSpec, options: SnapshotOptions): Promise<string> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await removePartialSnapshots(options.dir, spec);
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const file = join(options.dir, `${snapshotPrefix(spec)}${stamp}.dump`);
  const partial = `${file}.partial`;
  // Created 0600 before pg_dump writes into it, so the data is never readable by others, not even briefly.
  await (await open(partial, 'wx', 0o600)).close();
  try {
    const pinned = options.exportedSnapshot === undefined ? [] : [`--snapshot=${options.exportedSnapshot}`];
    await runPostgresTool('pg_dump', ['--format=custom', '--no-password', `--file=${partial}`, ...pinned], spec, options);
    await chmod(partial, 0o600);
    await verifySnapshot(partial, spec, options);
    await rename(partial, file);
    return file;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** Reads the dump's table of contents back and checks that it holds the tenant's database. */
async function verifySnapshot(file: string, spec: TenantDatabaseSpec, options: SnapshotOptions): Promise<void> {
  const contents = await runPostgresTool('pg_restore', ['--list', file], spec, options);
  const header = new RegExp(`^;\\s+dbname: ${escapeRegExp(spec.databaseName)}$`, 'm');
  if (!header.test(contents)) {
    throw new DatabaseSnapshotFailed(
      `pg_restore --list could not confirm that ${file} holds the database ${JSON.stringify(spec.databaseName)}; nothing was dropped`,
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type ToolOptions = Pick<SnapshotOptions, 'server' | 'timeoutMillis' | 'signal'> & {
  /** What a failure means for the caller, in the error's words; default "nothing was dropped". */
  consequence?: string;
};

/** The environment a PostgreSQL client tool needs to reach `database` as the admin; credentials never on its command line. */
export function adminToolEnv(server: ToolOptions['server'], database: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.adminUser,
    PGPASSWORD: server.adminPassword,
    PGDATABASE: database,
    PGCONNECT_TIMEOUT: '10',
    PGAPPNAME: 'bulkhead-operator',
  };
}

/** Runs pg_dump or pg_restore against the tenant's database as the admin, credentials in the environment. */
export async function runPostgresTool(
  name: 'pg_dump' | 'pg_restore',
  args: string[],
  spec: TenantDatabaseSpec,
  options: ToolOptions,
): Promise<string> {
  const { server, consequence = 'nothing was dropped' } = options;
  try {
    const { stdout } = await run(tool(name), args, {
      env: adminToolEnv(server, spec.databaseName),
      timeout: options.timeoutMillis,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
      signal: options.signal,
    });
    return stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message?: string };
    const detail = scrub((stderr ?? '').trim() || (message ?? String(error)), [server.adminPassword]);
    throw new DatabaseSnapshotFailed(`${name} of the database ${JSON.stringify(spec.databaseName)} failed, ${consequence}: ${detail}`);
  }
}
