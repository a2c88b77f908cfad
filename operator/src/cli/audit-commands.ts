/**
 * `bulkhead audit` and its subcommands `network`, `verify`, `period` and `keygen`: their flags and
 * the rules on them (`period`'s in audit-period-command.ts). The work is in audit.ts,
 * audit-network.ts, audit-verify.ts, audit-period.ts and audit-keygen.ts. To give
 * a subcommand a flag, add an option here and a field to its request.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { assumptionsFrom } from '../audit/network/assumptions.js';
import type { Assumptions, Probe } from '../audit/network/model.js';
import { parseProbe } from '../audit/network/probes.js';
import { addExport } from './audit-export-command.js';
import { errorMessage, UsageError } from './exit-codes.js';
import { formatOption, outputFormats, outputOf, outputOption, type OutputFormat } from './output.js';
import { given, repeated, repeatedKeyId } from './audit-flags.js';
import { addPeriod } from './audit-period-command.js';
import { withCluster, type Binder } from './program.js';

export const auditFormats = ['json', 'yaml', 'text', 'html'] as const;
export type AuditFormat = (typeof auditFormats)[number];

export interface AuditRequest {
  tenant?: string;
  output: AuditFormat;
  out?: string;
  reportDir?: string;
  signingKey?: string;
  probes?: Probe[];
  assumptions: Assumptions;
  liveProbes: boolean;
  wire: boolean;
  /** --probe-concurrency; absent: the configuration's. */
  concurrency?: number;
}

export interface AuditNetworkRequest {
  manifests: string;
  probes: Probe[];
  assumptions: Assumptions;
  output: OutputFormat;
}

export interface AuditVerifyRequest {
  file?: string;
  /** A report the operator published in ConfigMaps, exported with kubectl as JSON. */
  published?: string;
  chain?: string;
  /** A period report (`bulkhead audit period`). */
  period?: string;
  /** A fleet report (GET /v1/fleet/audit-report), checked against `cellKeys`. */
  fleet?: string;
  /** With `fleet`: NAME=PEM-or-keyId per cell, every cell of the fleet at least once (audit-verify-fleet.ts). */
  cellKeys?: string[];
  /** Trusted keys: public key files and keyIds, any number of each, at least one in all (none with `fleet`). */
  publicKeys: string[];
  keyIds: string[];
  text: boolean;
  html?: string;
  output: OutputFormat;
}

export interface AuditKeygenRequest {
  dir: string;
  name: string;
  output: OutputFormat;
}

/** A parser's own error as the parser's kind, so the message names the flag and exits 2. */
function checked<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(errorMessage(error));
    }
  };
}

const probeList = (value: string, previous: Probe[] | undefined): Probe[] => [...(previous ?? []), checked(parseProbe)(value)];

function probeConcurrency(text: string): number {
  const concurrency = Number(text);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new InvalidArgumentError(`--probe-concurrency ${text}: expected 1-64`);
  return concurrency;
}

function assumptions(values: string[] | undefined): Assumptions {
  try {
    return assumptionsFrom(values ?? []);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

/** `audit --probe tcp/80` was the flows' spelling before --probe measured on the wire: say so rather than "too many arguments". */
function refuseOperands(args: readonly string[]): void {
  const [first] = args;
  if (first === undefined) return;
  if (/^(tcp|udp|sctp)\//i.test(first))
    throw new UsageError(`--probe takes no value (it measures on the wire); the flows to judge are --flow ${first}`);
  throw new UsageError(`unknown command or argument '${first}' (audit's subcommands: network, verify, period, keygen, export)`);
}

interface AuditOptions {
  tenant?: string;
  out?: string;
  reportDir?: string;
  signingKey?: string;
  flow?: Probe[];
  assume?: string[];
  probe?: boolean;
  probeConcurrency?: number;
  accessProbes: boolean;
  probes: boolean;
}

export function auditRequestOf(command: Command): AuditRequest {
  refuseOperands(command.args);
  const values = command.opts<AuditOptions>();
  return {
    ...(values.tenant ? { tenant: values.tenant } : {}),
    ...(values.out ? { out: values.out } : {}),
    ...(values.reportDir ? { reportDir: values.reportDir } : {}),
    ...(values.signingKey ? { signingKey: values.signingKey } : {}),
    ...(values.flow ? { probes: values.flow } : {}),
    ...(values.probeConcurrency === undefined ? {} : { concurrency: values.probeConcurrency }),
    output: outputOf<AuditFormat>(command),
    assumptions: assumptions(values.assume),
    liveProbes: values.accessProbes && values.probes,
    wire: values.probe === true,
  };
}

function defineAudit(program: Command): Command {
  return withCluster(program.command('audit'))
    .description(
      "audit the live cluster, databases and keys the operator's configuration ($BULKHEAD_CONFIG) names, and sign the report. " +
        'Exit 1 when any check failed or could not be carried out',
    )
    .option('--tenant <name>', "only this tenant's checks (the fleet is still read, so cross-tenant findings show)")
    .addOption(outputOption(auditFormats, 'json'))
    .addOption(formatOption(auditFormats))
    .option('--out <file>', 'write there instead of standard output')
    .option('--report-dir <dir>', 'also keep the signed report, chained to the newest one in DIR, and its HTML page')
    .option('--signing-key <pem>', "an Ed25519 private key (PEM); default the Secret in the configuration's audit.signingKeySecret")
    .option('--probe', 'also measure isolation on the wire with probe pods (audit.probes.image and settleSeconds in the configuration)')
    .addOption(
      new Option('--probe-concurrency <n>', 'probe pods alive at once, 1-64 (default: audit.probes.concurrency)').argParser(
        probeConcurrency,
      ),
    )
    .option(
      '--flow <protocol/port>',
      'a flow the analysis judges, repeatable (default tcp/80, tcp/443, tcp/8080, tcp/5432, udp/53, tcp/53)',
      probeList,
    )
    .option('--assume <name=bool>', 'a network plugin assumption, repeatable (see audit network --help)', repeated)
    .option('--no-access-probes', 'skip the SubjectAccessReviews and dry-run writes as tenant owners (RBAC analysis only)')
    .addOption(new Option('--no-probes', 'the older spelling of --no-access-probes').hideHelp())
    .allowExcessArguments();
}

function addNetwork(audit: Command, { bind, handlers }: Binder): void {
  bind(
    audit
      .command('network')
      .description('which pod-to-pod flows the NetworkPolicies in a directory of manifests allow (offline, worst-case assumptions)')
      .requiredOption('--manifests <dir>', 'a directory of exported manifests (YAML or JSON)')
      .option(
        '--probe <protocol/port>',
        'a flow to judge, repeatable: tcp/80, udp/53, sctp/9000 or a named port such as tcp/http',
        probeList,
      )
      .option(
        '--assume <name=bool>',
        'ipBlockMatchesPodIPs, endPortSupported, hostNetworkPodsBypass (all default true: the worst case)',
        repeated,
      )
      .addOption(outputOption(outputFormats, 'json'))
      .addOption(formatOption(outputFormats)),
    (command, context) => {
      const values = command.opts<{ manifests: string; probe?: Probe[]; assume?: string[] }>();
      if (!values.probe || values.probe.length === 0) throw new UsageError('at least one --probe is required');
      return handlers.auditNetwork(
        { manifests: values.manifests, probes: values.probe, assumptions: assumptions(values.assume), output: outputOf(command) },
        context,
      );
    },
  );
}

function requireOneTarget(targets: (string | undefined)[]): void {
  if (targets.filter((target) => target !== undefined).length !== 1)
    throw new UsageError(
      'give exactly one report FILE, one --published CONFIGMAPS.json, one --chain DIR, one --period FILE or one --fleet FILE',
    );
}

export function auditVerifyRequestOf(command: Command): AuditVerifyRequest {
  const values = command.opts<{
    publicKey?: string[];
    keyId?: string[];
    chain?: string;
    published?: string;
    period?: string;
    fleet?: string;
    cell?: string[];
    text?: boolean;
    html?: string;
    output: OutputFormat;
  }>();
  const [file] = command.args;
  requireOneTarget([file, values.chain, values.published, values.period, values.fleet]);
  if (values.fleet !== undefined) return fleetVerifyRequest(values.fleet, values.cell ?? [], values);
  if (values.cell !== undefined) throw new UsageError('--cell names the keys of a --fleet report');
  if (values.chain !== undefined && (values.text || values.html !== undefined))
    throw new UsageError('--text and --html render one report FILE, not a --chain');
  const publicKeys = values.publicKey ?? [];
  const keyIds = values.keyId ?? [];
  if (publicKeys.length + keyIds.length === 0) {
    throw new UsageError('give at least one --public-key PEM or --key-id HEX: a report is never trusted on its embedded key alone');
  }
  const { chain, published, period, html, output } = values;
  return given({ file, published, chain, period, publicKeys, keyIds, html, text: values.text === true, output });
}

/** A fleet report is checked against keys per cell only: a key trusted for the whole fleet would let one cell's report stand for another's. */
function fleetVerifyRequest(
  fleet: string,
  cellKeys: string[],
  values: { publicKey?: string[]; keyId?: string[]; text?: boolean; html?: string; output: OutputFormat },
): AuditVerifyRequest {
  if (values.publicKey !== undefined || values.keyId !== undefined)
    throw new UsageError('a --fleet report takes its keys per cell: --cell NAME=PEM or --cell NAME=KEYID, not --public-key or --key-id');
  if (values.text || values.html !== undefined) throw new UsageError('--text and --html render one report FILE, not a --fleet');
  if (cellKeys.length === 0)
    throw new UsageError(
      'give --cell NAME=PEM (or NAME=KEYID) for every cell of the fleet: the cells you name are the ones that must be there',
    );
  return { fleet, cellKeys, publicKeys: [], keyIds: [], text: false, output: values.output };
}

function addVerify(audit: Command, { bind, handlers }: Binder): void {
  bind(
    audit
      .command('verify')
      .description(
        'check that a signed audit report (or a directory of chained reports) is unchanged since a trusted key signed it; ' +
          'exit 1 if changed or not trusted',
      )
      .argument('[file]', 'the signed report (JSON)')
      .option(
        '--public-key <pem>',
        "a signer's Ed25519 public key (PEM), obtained from the signer, not from the report; repeatable",
        repeated,
      )
      .addOption(
        new Option('--key-id <hex>', "the SHA-256 of a signer's public key (hex), obtained from the signer; repeatable").argParser(
          repeatedKeyId,
        ),
      )
      .option(
        '--chain <dir>',
        'verify every audit-*.json in DIR and that each names the digest of the one before it; ' +
          'a key rotation recorded in the chain by a trusted key makes the new key trusted from there on',
      )
      .option('--period <file>', 'verify a period report (bulkhead audit period); --text and --html then render it')
      .option(
        '--published <configmaps.json>',
        'the report the operator published, exported with kubectl get configmaps -n NAMESPACE ' +
          '-l bulkhead.dev/audit-report -o json (one ConfigMap, or parts under a manifest: each part is checked against it, then the report)',
      )
      .option(
        '--fleet <file>',
        "verify a fleet report (GET /v1/fleet/audit-report): each cell's report against that cell's keys, and that every cell named by --cell is there or marked",
      )
      .option(
        '--cell <name=key>',
        'with --fleet: a cell and a key its reports are signed by, a public key file (PEM) or a keyId (64 hex digits); repeatable, every cell at least once',
        repeated,
      )
      .option('--text', "after a valid signature, print the report's summary, findings and limitations")
      .option('--html <out>', 'after a valid signature, write the report as a self-contained HTML page to OUT')
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => handlers.auditVerify(auditVerifyRequestOf(command), context),
  );
}

function keyName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value))
    throw new InvalidArgumentError(`--name ${value}: expected letters, digits, '.', '_' or '-'`);
  return value;
}

function addKeygen(audit: Command, { bind, handlers }: Binder): void {
  bind(
    audit
      .command('keygen')
      .description('create the Ed25519 key pair that signs audit reports: DIR/NAME.key (private, mode 0600) and DIR/NAME.pub.pem (public)')
      .requiredOption('--out <dir>', 'the directory to write the keys to')
      .addOption(new Option('--name <name>', "the key files' name").argParser(keyName).default('audit-signing'))
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const { out, name, output } = command.opts<{ out: string; name: string; output: OutputFormat }>();
      return handlers.auditKeygen({ dir: out, name, output }, context);
    },
  );
}

export function addAuditCommands(program: Command, binder: Binder): void {
  const audit = defineAudit(program);
  binder.bind(audit, (command, context) => binder.handlers.audit(auditRequestOf(command), context));
  addNetwork(audit, binder);
  addVerify(audit, binder);
  addPeriod(audit, binder);
  addKeygen(audit, binder);
  addExport(audit, binder);
}
