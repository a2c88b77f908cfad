/**
 * make cluster-up / cluster-down / cluster-status: the local environment, kept running between
 * commands. Usage: tsx testenv/src/cli.ts up|down|status
 * `make cluster-up NODE=real` starts a real node instead of KWOK's fake one (and fails, saying why,
 * where the machine cannot run one); NODE=auto takes a real node where possible and KWOK otherwise.
 * make passes NODE on as BULKHEAD_NODE_REQUEST, which is what this reads.
 */
import { isRunning, readEnvironment, startEnvironment, stopEnvironment, type Environment } from './environment.js';
import { requestedNode } from './node/support.js';
import { stateDir } from './paths.js';

function describe(env: Environment): void {
  const { network } = env;
  console.log(`  kube-apiserver  ${env.server}`);
  console.log(`  PostgreSQL      ${env.postgres.host}:${env.postgres.port} (admin URL in ${env.dir}/environment.json)`);
  console.log(`  KMS emulator    ${env.kms.endpoint}`);
  console.log(`  helm            ${env.helm}`);
  console.log(`  node            ${network.node === 'real' ? `real (${network.nodeAddresses.join(', ')})` : 'KWOK (fake)'}`);
  console.log(`  pods ${network.podCIDR}, Services ${network.serviceCIDR}`);
  for (const host of network.externalHosts) console.log(`  external host   ${host.name} http://${host.address}:${host.port}/`);
}

async function main(command: string | undefined): Promise<number> {
  const current = readEnvironment(stateDir);
  switch (command) {
    case 'up': {
      if (current && isRunning(current)) {
        console.log(`Already running: export KUBECONFIG=${current.kubeconfig}`);
        return 0;
      }
      const started = Date.now();
      const env = await startEnvironment(stateDir, { node: requestedNode(process.env.BULKHEAD_NODE_REQUEST, 'kwok') });
      console.log(`Local environment up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      describe(env);
      console.log(`\n  export KUBECONFIG=${env.kubeconfig}\n  kubectl get ns`);
      return 0;
    }
    case 'down':
      if (current) await stopEnvironment(current);
      console.log('Local environment stopped');
      return 0;
    case 'status':
      if (!current) {
        console.log('Not running');
        return 1;
      }
      for (const p of current.processes) console.log(`${p.name.padEnd(24)} pid ${p.pid}  log ${p.log}`);
      return isRunning(current) ? 0 : 1;
    default:
      console.error('usage: cli.ts up|down|status');
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  // One line a person can act on (e.g. "a real node is already running ... stop it first").
  console.error(`cluster ${process.argv[2] ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
