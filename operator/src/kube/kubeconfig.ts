/**
 * A kubeconfig file read as kubectl reads it: the current context's cluster and user, with
 * relative file paths resolved against the file's directory. Pure: the caller reads the file.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const ClusterSchema = z.looseObject({
  server: z.string().min(1),
  'certificate-authority': z.string().optional(),
  'certificate-authority-data': z.string().optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().optional(),
});

const UserSchema = z.looseObject({
  'client-certificate': z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key': z.string().optional(),
  'client-key-data': z.string().optional(),
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});

/** kubectl writes `users: null` for none. */
const listOf = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((list) => list ?? []);

const ContextSchema = z.looseObject({ cluster: z.string(), user: z.string().optional() });

const KubeconfigSchema = z.looseObject({
  'current-context': z.string().optional(),
  clusters: listOf(z.looseObject({ name: z.string(), cluster: ClusterSchema })),
  users: listOf(z.looseObject({ name: z.string(), user: UserSchema.nullish() })),
  contexts: listOf(z.looseObject({ name: z.string(), context: ContextSchema })),
});

type Kubeconfig = z.infer<typeof KubeconfigSchema>;

export type KubeconfigCluster = z.infer<typeof ClusterSchema>;
export type KubeconfigUser = z.infer<typeof UserSchema>;

/** User fields read here; any other (exec, auth-provider, as, ...) needs client-node's KubeConfig. */
const nativeUserFields = new Set(Object.keys(UserSchema.shape));

export interface CurrentContext {
  cluster: KubeconfigCluster;
  user: KubeconfigUser;
  /** The user's fields this module does not handle, such as `exec` or `auth-provider`. */
  foreignUserFields: string[];
}

const absolute = (dir: string, file: string | undefined): string | undefined =>
  file === undefined || isAbsolute(file) ? file : join(dir, file);

function parseKubeconfig(text: string, file: string): Kubeconfig {
  const parsed = KubeconfigSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) throw new Error(`kubeconfig ${file} is not valid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function selectContext(config: Kubeconfig, file: string, chosen?: string): { cluster: KubeconfigCluster; user: KubeconfigUser } {
  const contextName = chosen ?? config['current-context'];
  if (!contextName) throw new Error(`kubeconfig ${file} has no current-context`);
  const context = config.contexts.find((c) => c.name === contextName)?.context;
  if (!context)
    throw new Error(
      `kubeconfig ${file}: ${chosen === undefined ? 'current-context' : 'context'} "${contextName}" is not among its contexts`,
    );
  const cluster = config.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster)
    throw new Error(`kubeconfig ${file}: context "${contextName}" names cluster "${context.cluster}", which it does not define`);
  const user = config.users.find((u) => u.name === context.user)?.user ?? {};
  return { cluster, user };
}

/**
 * The current context of the kubeconfig `text` read from `file`, or the context named `chosen`
 * (kubectl's --context); throws naming what is missing.
 */
export function currentContext(text: string, file: string, chosen?: string): CurrentContext {
  const { cluster, user } = selectContext(parseKubeconfig(text, file), file, chosen);
  const dir = dirname(file);
  return {
    cluster: { ...cluster, 'certificate-authority': absolute(dir, cluster['certificate-authority']) },
    user: {
      ...user,
      'client-certificate': absolute(dir, user['client-certificate']),
      'client-key': absolute(dir, user['client-key']),
      tokenFile: absolute(dir, user.tokenFile),
    },
    foreignUserFields: Object.keys(user).filter((key) => !nativeUserFields.has(key)),
  };
}
