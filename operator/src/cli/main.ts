#!/usr/bin/env node
/**
 * The `bulkhead` command: `bulkhead operator` runs the operator, `bulkhead api` the onboarding API,
 * `bulkhead token` mints and revokes its tokens, `bulkhead audit` audits isolation, `bulkhead
 * audit-trail` checks the API's audit trail. Each command's module is loaded only when it runs, so a
 * short command does not pay for loading the operator, the API and the AWS SDK.
 */

const usage = `usage: bulkhead <command>

commands:
  operator    run the operator (config: BULKHEAD_CONFIG=<file>, cluster: KUBECONFIG)
  api         run the onboarding API (config: BULKHEAD_API_CONFIG=<file>, BULKHEAD_API_HOST/PORT, BULKHEAD_AUDIT_TRAIL_URL, cluster: KUBECONFIG)
  token       create or revoke API tokens: token create --role ROLE --name NAME | token revoke NAME
  audit [--tenant NAME] [--format json|html|text] [--out FILE] [--report-dir DIR] [--signing-key PEM] [--probe] [--no-access-probes]
              audit the live cluster, databases and keys (config: BULKHEAD_CONFIG) and sign the report; exit 1 on findings;
              --probe also measures isolation on the wire with probe pods (the observed matrix beside the prediction)
  audit network --manifests DIR --probe tcp/80 [--probe udp/53 ...] [--format json|text] [--assume NAME=false]
              which pod-to-pod flows the NetworkPolicies in DIR allow (offline, worst-case assumptions)
  audit verify FILE | --published CONFIGMAPS.json | --chain DIR  (--public-key PEM | --key-id HEX)
              check a signed audit report (or a directory of chained reports); exit 1 if changed or not trusted
  audit keygen --out DIR [--name NAME]
              create the Ed25519 key pair that signs audit reports (private key mode 0600)
  audit-trail verify [--expect-head HASH] [--format text|json]
              check the onboarding API's hash-chained audit trail (BULKHEAD_AUDIT_TRAIL_URL); exit 1 at the first broken
              record, or when HASH (a head printed by an earlier run) is no longer in the chain
  audit-trail init [--grant ROLE]
              create (or upgrade) the audit trail table and its append-only triggers as their owner; let ROLE insert and select
`;

async function main(args: string[]): Promise<number> {
  switch (args[0]) {
    case 'operator': {
      const { loadOperatorConfig, runOperator } = await import('./operator.js');
      await runOperator(loadOperatorConfig());
      return process.exitCode === undefined ? 0 : Number(process.exitCode);
    }
    case 'api': {
      const { loadApiConfig, runApi } = await import('./api.js');
      await runApi(loadApiConfig());
      return 0;
    }
    case 'token':
      return (await import('./tokens.js')).runTokenCommand(args.slice(1));
    case 'audit':
      return runAudit(args.slice(1));
    case 'audit-trail':
      return (await import('./audit-trail.js')).runAuditTrailCommand(args.slice(1));
    default:
      process.stderr.write(usage);
      return args[0] === undefined || args[0] === 'help' ? 0 : 2;
  }
}

async function runAudit(args: string[]): Promise<number> {
  switch (args[0]) {
    case 'network':
      return (await import('./audit-network.js')).runAuditNetwork(args.slice(1), process.stdout);
    case 'verify':
      return (await import('./audit-verify.js')).runAuditVerify(args.slice(1), process.stdout);
    case 'keygen':
      return (await import('./audit-keygen.js')).runAuditKeygen(args.slice(1), process.stdout);
    case undefined:
      return (await import('./audit.js')).runAuditCommand([], process.stdout);
    default:
      if (args[0].startsWith('--')) return (await import('./audit.js')).runAuditCommand(args, process.stdout);
      process.stderr.write('usage: bulkhead audit [--tenant NAME] [--format json|html|text] ... | audit network --manifests DIR --probe tcp/80 ... | audit verify FILE --public-key PEM | audit keygen --out DIR\n');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bulkhead: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
