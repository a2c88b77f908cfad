/**
 * The "external" hosts: each a network namespace behind the VPC router with a tiny HTTP server
 * (busybox httpd, as nobody) that answers GET / with the host's name. They stand in for the
 * internet destinations tenants declare (or do not) as egress CIDRs; no real address is dialled.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, waitUntil, type ManagedProcess } from '../processes.js';
import { externalHosts, names } from './addresses.js';
import { inNetns } from './shell.js';

const nobody = 65534;

export async function startExternalHosts(nodeDir: string, logDir: string, busybox: string, processes: ManagedProcess[]): Promise<void> {
  await Promise.all(
    externalHosts.map(async (host) => {
      const www = join(nodeDir, 'external', host.name);
      mkdirSync(www, { recursive: true });
      writeFileSync(join(www, 'index.html'), `${host.name}\n`);
      const netns = names.externalNetns(host);
      const server = startProcess({
        name: `external-${host.name}`,
        command: busybox,
        args: ['httpd', '-f', '-p', `${host.address}:${host.port}`, '-h', www],
        log: join(logDir, `external-${host.name}.log`),
        netns,
        uid: nobody,
        gid: nobody,
      });
      processes.push(server);
      await waitUntil(server, `${host.name} to listen`, () =>
        Promise.resolve(inNetns(netns, busybox, ['wget', '-q', '-O', '-', `http://${host.address}:${host.port}/`]).trim() === host.name),
      );
    }),
  );
}
