#!/usr/bin/env node
/**
 * The `bulkhead` command: `bulkhead operator` runs the operator, `bulkhead api` the onboarding API,
 * `bulkhead token` mints and revokes its tokens.
 */
import { loadApiConfig, runApi } from './api.js';
import { runAuditNetwork } from './audit-network.js';
import { loadOperatorConfig, runOperator } from './operator.js';
import { runTokenCommand } from './tokens.js';

const usage = `usage: bulkhead <command>

commands:
  operator    run the operator (config: BULKHEAD_CONFIG=<file>, cluster: KUBECONFIG)
  api         run the onboarding API (config: BULKHEAD_API_CONFIG=<file>, BULKHEAD_API_HOST/PORT, cluster: KUBECONFIG)
  token       create or revoke API tokens: token create --role ROLE --name NAME | token revoke NAME
  audit network --manifests DIR --probe tcp/80 [--probe udp/53 ...] [--format json|text] [--assume NAME=false]
              which pod-to-pod flows the NetworkPolicies in DIR allow (offline, worst-case assumptions)
`;

async function main(args: string[]): Promise<number> {
  switch (args[0]) {
    case 'operator':
      await runOperator(loadOperatorConfig());
      return process.exitCode === undefined ? 0 : Number(process.exitCode);
    case 'api':
      await runApi(loadApiConfig());
      return 0;
    case 'token':
      return runTokenCommand(args.slice(1));
    case 'audit':
      if (args[1] === 'network') return runAuditNetwork(args.slice(2), process.stdout);
      process.stderr.write('usage: bulkhead audit network --manifests DIR --probe tcp/80 ...\n');
      return 2;
    default:
      process.stderr.write(usage);
      return args[0] === undefined || args[0] === 'help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bulkhead: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
