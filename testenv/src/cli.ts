/**
 * make cluster-up / cluster-down / cluster-status: the local environment, kept running between
 * commands. Usage: tsx testenv/src/cli.ts up|down|status
 */
import { isRunning, readEnvironment, startEnvironment, stopEnvironment } from './environment.js';
import { stateDir } from './paths.js';

async function main(command: string | undefined): Promise<number> {
  const current = readEnvironment(stateDir);
  switch (command) {
    case 'up': {
      if (current && isRunning(current)) {
        console.log(`Already running: export KUBECONFIG=${current.kubeconfig}`);
        return 0;
      }
      const started = Date.now();
      const env = await startEnvironment(stateDir);
      console.log(`Local environment up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      console.log(`  kube-apiserver  ${env.server}`);
      console.log(`  PostgreSQL      127.0.0.1:${env.postgres.port} (admin URL in ${stateDir}/environment.json)`);
      console.log(`  KMS emulator    ${env.kms.endpoint}`);
      console.log(`  helm            ${env.helm}`);
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

process.exitCode = await main(process.argv[2]);
