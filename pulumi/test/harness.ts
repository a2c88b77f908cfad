/**
 * Runs the Pulumi program once on Pulumi's mocks (pulumi.runtime.setMocks) and records what it
 * asked the engine for: every resource with its inputs, provider, dependencies and options, as the
 * engine would receive them. The SDK import and the run take a few seconds, so every test shares
 * one run (`runProgram()` is memoised).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { parseAllDocuments } from 'yaml';

/** One RegisterResource request, as the engine sees it (secrets still wrapped). */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  provider: string;
  dependencies: string[];
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
}

export interface ProgramRun {
  resources: Registration[];
  outputs: Record<string, unknown>;
  invokes: { token: string; provider: string | undefined }[];
}

export const stackConfig = {
  namespace: 'bulkhead-test',
  kubeconfig: '/tmp/bulkhead-pulumi-test/kubeconfig',
  euPassword: 'eu-admin-p4ssw0rd-9f3c1',
  usPassword: 'us-admin-p4ssw0rd-77ab2',
  usKmsSecret: 'us-kms-s3cret-key-41d0',
  auditTrailPassword: 'trail-p4ss-5e6f',
};

/** The stack config the shared run uses, as `pulumi config` would hand it to the program. */
export function testConfig(): Record<string, string> {
  return {
    'bulkhead:kubeconfig': stackConfig.kubeconfig,
    'bulkhead:namespace': stackConfig.namespace,
    'bulkhead:podSecurityVersion': 'v1.35',
    'bulkhead:releaseName': 'bulkhead-test',
    'bulkhead:chartValues': JSON.stringify({
      image: { tag: '9.9.9' },
      operator: { replicas: 3, config: { workers: 8 } },
      api: { replicas: 1, auditTrail: { urlSecret: { name: 'trail', key: 'dsn' } } },
    }),
    'bulkhead:apiAuditTrailUrl': `postgres://trail:${stackConfig.auditTrailPassword}@10.0.0.9:5432/audit`,
    'bulkhead:regions': JSON.stringify({
      'eu-central-1': {
        database: { host: '10.0.0.5', port: 5433, username: 'postgres', password: stackConfig.euPassword },
        kms: { accountId: '111122223333' },
      },
      'us-east-1': {
        database: { host: 'pg.us.example', username: 'admin', password: stackConfig.usPassword },
        kms: {
          accountId: '444455556666',
          endpoint: 'http://127.0.0.1:4599',
          accessKeyId: 'AKIATEST',
          secretAccessKey: stackConfig.usKmsSecret,
        },
      },
    }),
  };
}

/** As `pulumi config set --secret` marks them. */
export const secretKeys = ['bulkhead:regions', 'bulkhead:apiAuditTrailUrl'];

/** The monitor setMocks installs; wrapped to see dependencies and options, which the mocks drop. */
interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getRetainondelete(): boolean;
  getAdditionalsecretoutputsList(): string[];
}
type Callback = (error: Error | null, response?: { getUrn(): string }) => void;
interface Monitor {
  registerResource(request: RegisterResourceRequest, callback: Callback): Promise<void>;
}

function recordRegistrations(requests: Map<string, RegisterResourceRequest>): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    original(request, (error, response) => {
      if (response) requests.set(response.getUrn(), request);
      callback(error, response);
    });
}

/** The mocks: a resource's state is its inputs; yaml:decode parses as the provider would. */
function mocks(inputsByUrn: Map<string, Record<string, unknown>>, invokes: ProgramRun['invokes']): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      inputsByUrn.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
      return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
    },
    call(args) {
      invokes.push({ token: args.token, provider: args.provider });
      if (args.token === 'kubernetes:yaml:decode') {
        const text = (args.inputs as { text: string }).text;
        return {
          result: parseAllDocuments(text)
            .map((document) => document.toJS() as unknown)
            .filter(Boolean),
        };
      }
      throw new Error(`unexpected invoke ${args.token}`);
    },
  };
}

function settle(value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return Promise.resolve(value);
  const output: pulumi.Output<unknown> = value;
  return new Promise((resolve) => {
    output.apply((resolved) => {
      resolve(resolved);
      return resolved;
    });
  });
}

let run: Promise<ProgramRun> | undefined;

export function runProgram(): Promise<ProgramRun> {
  run ??= (async () => {
    const requests = new Map<string, RegisterResourceRequest>();
    const inputsByName = new Map<string, Record<string, unknown>>();
    const invokes: ProgramRun['invokes'] = [];
    await pulumi.runtime.setMocks(mocks(inputsByName, invokes), 'bulkhead', 'test', false);
    pulumi.runtime.setAllConfig(testConfig(), secretKeys);
    recordRegistrations(requests);
    const program: Record<string, unknown> = await import('../src/index.js');
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) outputs[key] = await settle(value);
    const resources = [...requests].map(([urn, request]) => ({
      urn,
      type: request.getType(),
      name: request.getName(),
      custom: request.getCustom(),
      inputs: inputsByName.get(`${request.getType()}::${request.getName()}`) ?? {},
      provider: request.getProvider(),
      dependencies: request.getDependenciesList(),
      retainOnDelete: request.getRetainondelete(),
      additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
    }));
    return { resources, outputs, invokes };
  })();
  return run;
}

/** The CRDs in crds/*.yaml, read here independently of the program's own listing. */
export function crdNamesOnDisk(): string[] {
  const dir = new URL('../../crds/', import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => (parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'))[0]?.toJS() as { metadata: { name: string } }).metadata.name)
    .sort();
}
