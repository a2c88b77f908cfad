/**
 * make pulumi-up | pulumi-preview | pulumi-destroy: the Pulumi program (pulumi/) against the local
 * environment (`make cluster-up NODE=real`): Bulkhead's image built here and imported into the
 * node, then `pulumi up` of the local stack (local-stack.ts) with the engine built from source
 * (engine.ts). The state is in .bulkhead/pulumi (a file backend; nothing leaves the machine).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isRunning, readEnvironment, type Environment } from '../../testenv/src/environment.js';
import { importIntoNode, importProductApp } from '../../testenv/src/index.js';
import { repoRoot } from '../../testenv/src/paths.js';
import { buildImage } from '../image/build-image.js';
import { appVersions } from '../local-platform.js';
import { openStack } from './engine.js';
import { assertNoOtherInstallation, localAuditTrail, localStackConfig, localStackName } from './local-stack.js';

const stateDir = process.env.BULKHEAD_STATE_DIR ?? join(repoRoot, '.bulkhead');
const tag = 'local';

function runningEnvironment(): Environment {
  const env = readEnvironment(stateDir);
  if (!env || !isRunning(env)) throw new Error(`no local cluster in ${stateDir}: start one with make cluster-up NODE=real`);
  return env;
}

/**
 * Bulkhead's image, which the chart runs, and the product's, which tenants' apps run, in the
 * node's containerd (KWOK pulls nothing: there neither is needed).
 */
function importImages(env: Environment): void {
  if (!env.realNode) {
    console.log("KWOK's node runs no container: the image is not built (make cluster-up NODE=real for a real node)");
    return;
  }
  const image = buildImage({ tag, out: join(stateDir, 'pulumi', 'image') });
  importIntoNode(env, image.archive);
  importProductApp(env, appVersions);
  console.log(`Imported ${image.name} and the product's image into the node`);
}

async function main(command: string | undefined): Promise<void> {
  if (command !== 'up' && command !== 'preview' && command !== 'destroy') throw new Error('usage: cli.ts up | preview | destroy');
  const env = runningEnvironment();
  const kubectl = (...args: string[]): string => execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8' });
  if (command !== 'destroy') assertNoOtherInstallation(kubectl);
  if (command === 'up') importImages(env);
  const trailUrl = await localAuditTrail(env, stateDir);
  const stack = await openStack({ stateDir, stackName: localStackName, config: localStackConfig({ env, stateDir, tag, trailUrl }) });
  const onOutput = (text: string): void => {
    process.stdout.write(text);
  };
  if (command === 'preview') await stack.preview({ onOutput, diff: process.argv.includes('--diff') });
  if (command === 'up') await stack.up({ onOutput });
  if (command === 'destroy') await stack.destroy({ onOutput });
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
