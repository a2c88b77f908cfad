#!/usr/bin/env node
/**
 * The `bulkhead` command: `bulkhead operator` runs the operator; later subcommands add the
 * onboarding API, tokens and the audit.
 */
import { loadOperatorConfig, runOperator } from './operator.js';

const usage = `usage: bulkhead <command>

commands:
  operator    run the operator (config: BULKHEAD_CONFIG=<file>, cluster: KUBECONFIG)
`;

async function main(args: string[]): Promise<number> {
  switch (args[0]) {
    case 'operator':
      await runOperator(loadOperatorConfig());
      return process.exitCode === undefined ? 0 : Number(process.exitCode);
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
