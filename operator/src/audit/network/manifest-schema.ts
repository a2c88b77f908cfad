/**
 * zod schemas for the parts of Namespace, Pod and NetworkPolicy manifests the analyzer reads, and
 * their conversion to the model. YAML `null` is treated as absent, as the API server's JSON
 * decoding does for optional fields; checks mirror the API server's validation where a wrong
 * value would silently change the verdict (selector operators, peers, ports, CIDRs).
 */
import { z } from 'zod';
import { parseCidr } from './cidr.js';
import type { LabelSelector, Namespace, NetworkPolicy, Pod, PolicyPeer, PolicyPort, PolicyRule } from './model.js';
import { protocols } from './model.js';
import { portNamePattern } from './probes.js';

const LabelsSchema = z.record(z.string(), z.string(), { error: 'labels must map strings to strings (quote values like "yes" or "1")' });

const MetadataSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1).nullish(),
  labels: LabelsSchema.nullish(),
});

const RequirementSchema = z
  .object({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).nullish(),
  })
  .refine((r) => (r.operator === 'In' || r.operator === 'NotIn') === (r.values ?? []).length > 0, {
    error: 'In and NotIn need values; Exists and DoesNotExist take none',
  });

const SelectorSchema = z.object({
  matchLabels: LabelsSchema.nullish(),
  matchExpressions: z.array(RequirementSchema).nullish(),
});

const ProtocolSchema = z.enum(protocols as [string, ...string[]]).transform((p) => p as PolicyPort['protocol']);

const IPBlockSchema = z.object({
  cidr: z.string().refine((cidr) => parseCidr(cidr) !== undefined, { error: 'not a CIDR' }),
  except: z.array(z.string().refine((cidr) => parseCidr(cidr) !== undefined, { error: 'not a CIDR' })).nullish(),
});

const PeerSchema = z
  .object({ podSelector: SelectorSchema.nullish(), namespaceSelector: SelectorSchema.nullish(), ipBlock: IPBlockSchema.nullish() })
  .refine((p) => (p.ipBlock != null) !== (p.podSelector != null || p.namespaceSelector != null), {
    error: 'a peer needs either ipBlock or podSelector/namespaceSelector, not both and not neither',
  });

const PortSchema = z
  .object({
    protocol: ProtocolSchema.nullish(),
    port: z.union([z.int().min(1).max(65535), z.string().regex(portNamePattern, { error: 'not a port name' })]).nullish(),
    endPort: z.int().min(1).max(65535).nullish(),
  })
  .refine((p) => p.endPort == null || (typeof p.port === 'number' && p.endPort >= p.port), {
    error: 'endPort needs a numeric port and must not be below it',
  });

const RuleSchema = (peers: 'from' | 'to') =>
  z.object({ [peers]: z.array(PeerSchema).nullish(), ports: z.array(PortSchema).nullish() }).transform((rule): PolicyRule => ({
    peers: (rule[peers] as z.infer<typeof PeerSchema>[] | null | undefined)?.map(peerOf),
    ports: rule.ports?.map(portOf),
  }));

export const NamespaceManifestSchema = z.object({ metadata: MetadataSchema });

export const PodManifestSchema = z.object({
  metadata: MetadataSchema,
  spec: z
    .object({
      hostNetwork: z.boolean().nullish(),
      containers: z
        .array(
          z.object({
            ports: z
              .array(z.object({ name: z.string().nullish(), containerPort: z.int().min(1).max(65535), protocol: ProtocolSchema.nullish() }))
              .nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  status: z.object({ podIP: z.string().nullish() }).nullish(),
});

export const NetworkPolicyManifestSchema = z.object({
  metadata: MetadataSchema,
  spec: z.object({
    podSelector: SelectorSchema.nullish(),
    policyTypes: z.array(z.enum(['Ingress', 'Egress'])).nullish(),
    ingress: z.array(RuleSchema('from')).nullish(),
    egress: z.array(RuleSchema('to')).nullish(),
  }),
});

/** Objects without metadata.namespace land in `default`, as kubectl apply would put them. */
const defaultNamespace = 'default';

export function namespaceOf(manifest: z.infer<typeof NamespaceManifestSchema>): Namespace {
  return { name: manifest.metadata.name, labels: { ...manifest.metadata.labels } };
}

export function podOf(manifest: z.infer<typeof PodManifestSchema>): Pod {
  const ports = (manifest.spec?.containers ?? []).flatMap((container) =>
    (container.ports ?? []).map((port) => ({
      ...(port.name ? { name: port.name } : {}),
      containerPort: port.containerPort,
      protocol: port.protocol ?? 'TCP',
    })),
  );
  const podIP = manifest.status?.podIP ?? undefined;
  return {
    namespace: manifest.metadata.namespace ?? defaultNamespace,
    name: manifest.metadata.name,
    labels: { ...manifest.metadata.labels },
    ports,
    ...(podIP ? { podIP } : {}),
    hostNetwork: manifest.spec?.hostNetwork ?? false,
  };
}

export function networkPolicyOf(manifest: z.infer<typeof NetworkPolicyManifestSchema>): NetworkPolicy {
  const { spec } = manifest;
  return {
    namespace: manifest.metadata.namespace ?? defaultNamespace,
    name: manifest.metadata.name,
    // A null podSelector decodes to the zero value, the empty selector: every pod.
    podSelector: selectorOf(spec.podSelector) ?? {},
    ...(spec.policyTypes ? { policyTypes: spec.policyTypes } : {}),
    ...(spec.ingress ? { ingress: spec.ingress } : {}),
    ...(spec.egress ? { egress: spec.egress } : {}),
  };
}

function selectorOf(selector: z.infer<typeof SelectorSchema> | null | undefined): LabelSelector | undefined {
  if (selector == null) return undefined;
  return {
    ...(selector.matchLabels ? { matchLabels: selector.matchLabels } : {}),
    ...(selector.matchExpressions
      ? { matchExpressions: selector.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, values: r.values ?? [] })) }
      : {}),
  };
}

function peerOf(peer: z.infer<typeof PeerSchema>): PolicyPeer {
  const podSelector = selectorOf(peer.podSelector);
  const namespaceSelector = selectorOf(peer.namespaceSelector);
  const ipBlock = peer.ipBlock ? { cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] } : undefined;
  return { ...(podSelector ? { podSelector } : {}), ...(namespaceSelector ? { namespaceSelector } : {}), ...(ipBlock ? { ipBlock } : {}) };
}

function portOf(port: z.infer<typeof PortSchema>): PolicyPort {
  return {
    ...(port.protocol ? { protocol: port.protocol } : {}),
    ...(port.port != null ? { port: port.port } : {}),
    ...(port.endPort != null ? { endPort: port.endPort } : {}),
  };
}
