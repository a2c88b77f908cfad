/**
 * `bulkhead operator`, `bulkhead api`, `bulkhead token create|revoke` and `bulkhead audit-trail
 * verify|init`: their flags and the rules on them. The work is in operator.ts, api.ts, tokens.ts
 * and audit-trail.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { roles, type Role } from '../api-server/roles.js';
import { TokenNameSchema } from '../api-server/token-hash.js';
import { formatOption, outputFormats, outputOf, outputOption, type OutputFormat } from './output.js';
import { withCluster, type Binder } from './program.js';

export interface TokenCreateRequest {
  role: Role;
  name: string;
  output: OutputFormat;
}
export interface TokenRevokeRequest {
  name: string;
  output: OutputFormat;
}
export interface AuditTrailVerifyRequest {
  expectHead?: string;
  output: OutputFormat;
}
export interface AuditTrailInitRequest {
  grant?: string;
  output: OutputFormat;
}

function tokenName(value: string): string {
  if (!TokenNameSchema.safeParse(value).success) throw new InvalidArgumentError('--name must be a DNS-1123 label of at most 63 characters');
  return value;
}

function headHash(value: string): string {
  const hash = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hash))
    throw new InvalidArgumentError('--expect-head must be a head hash as verify printed it: 64 hexadecimal digits');
  return hash;
}

function addTokenCommands(program: Command, { bind, handlers }: Binder): void {
  const token = program
    .command('token')
    .description(
      'create or revoke onboarding API tokens (in the Secret $BULKHEAD_API_TOKEN_SECRET, ' +
        'namespace/name, default bulkhead-system/bulkhead-api-tokens)',
    );
  bind(
    withCluster(token.command('create'))
      .description('create a token and print it once (only its hash is stored)')
      .addOption(new Option('--role <role>', 'what the token may do').choices(roles).makeOptionMandatory())
      .addOption(new Option('--name <name>', "the token's name, a DNS-1123 label").argParser(tokenName).makeOptionMandatory())
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const { role, name, output } = command.opts<TokenCreateRequest>();
      return handlers.tokenCreate({ role, name, output }, context);
    },
  );
  bind(
    withCluster(token.command('revoke'))
      .description('remove a token; exit 1 if there is none by that name')
      .argument('<name>', 'the token to revoke')
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) =>
      handlers.tokenRevoke({ name: command.args[0] ?? '', output: command.opts<{ output: OutputFormat }>().output }, context),
  );
}

function addAuditTrailCommands(program: Command, { bind, handlers }: Binder): void {
  const trail = program
    .command('audit-trail')
    .description("the onboarding API's hash-chained audit trail (connects to $BULKHEAD_AUDIT_TRAIL_URL)");
  bind(
    trail
      .command('verify')
      .description(
        'check every hash link; exit 1 at the first broken record, or when --expect-head is no longer in the chain. ' +
          'Always prints the current head, to record for the next run',
      )
      .addOption(
        new Option('--expect-head <hash>', 'a head printed by an earlier run, which must still be in the chain').argParser(headHash),
      )
      .addOption(outputOption(outputFormats, 'text'))
      .addOption(formatOption(outputFormats)),
    (command, context) => {
      const { expectHead } = command.opts<{ expectHead?: string }>();
      return handlers.auditTrailVerify({ ...(expectHead ? { expectHead } : {}), output: outputOf(command) }, context);
    },
  );
  bind(
    trail
      .command('init')
      .description('create (or upgrade) the audit trail table and its append-only triggers, as their owner')
      .option('--grant <role>', "let this PostgreSQL role (the API's) insert and select")
      .addOption(outputOption(outputFormats, 'text')),
    (command, context) => {
      const { grant, output } = command.opts<{ grant?: string; output: OutputFormat }>();
      return handlers.auditTrailInit({ ...(grant ? { grant } : {}), output }, context);
    },
  );
}

export function addServiceCommands(program: Command, binder: Binder): void {
  binder.bind(
    withCluster(program.command('operator')).description(
      'run the operator (configuration: $BULKHEAD_CONFIG, a YAML file; see docs/operator.md)',
    ),
    (_command, context) => binder.handlers.operator({}, context),
  );
  binder.bind(
    withCluster(program.command('api')).description(
      'run the onboarding API (configuration: $BULKHEAD_API_CONFIG, $BULKHEAD_API_HOST/PORT, ' +
        '$BULKHEAD_AUDIT_TRAIL_URL; see docs/api.md)',
    ),
    (_command, context) => binder.handlers.api({}, context),
  );
  addTokenCommands(program, binder);
  addAuditTrailCommands(program, binder);
}
